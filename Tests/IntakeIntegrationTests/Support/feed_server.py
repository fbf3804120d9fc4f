#!/usr/bin/env python3
"""A small loopback HTTP(S) server for Intake's demo and integration tests.

  feed_server.py --records FILE [--port N] [--port-file F] [--tls DIR] [--per-page N]
                 [--window-field F] [--access-log F]

Serves FILE (a JSON array of records) as a paginated API at /api/v1/alerts:
  {"data": [...], "page": N, "total": T, "next": "/api/v1/alerts?page=N+1&..." or null}
With --window-field, records whose field (epoch seconds/ms or ISO-8601) falls outside the
request's `earliest`/`latest` query parameters are left out. Any other path is served from
the directory of FILE. With --tls DIR, it serves HTTPS with DIR/server.pem and DIR/server.key,
first generating DIR/ca.pem (a throw-away CA) and a server certificate for localhost and
127.0.0.1 when they are missing. It binds 127.0.0.1 only. Port 0 picks a free port, written
to --port-file once the server listens.
"""
import argparse, datetime, json, os, ssl, subprocess, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_tls(d):
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "server.pem")):
        return
    def run(*a):
        subprocess.run(a, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "30", "-subj", "/CN=Intake Test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "30", "-extfile", "ext.cnf")


def parse_time(v):
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v) / (1000.0 if v > 1e11 else 1.0)
    s = str(v)
    try:
        f = float(s)
        return f / (1000.0 if f > 1e11 else 1.0)
    except ValueError:
        pass
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records")
    ap.add_argument("--make-tls-only", action="store_true", help="generate --tls DIR and exit")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls")
    ap.add_argument("--per-page", type=int, default=10)
    ap.add_argument("--page-delay-ms", type=int, default=0, help="wait this long before serving each page of alerts")
    ap.add_argument("--window-field")
    ap.add_argument("--access-log")
    a = ap.parse_args()
    if a.make_tls_only:
        make_tls(a.tls)
        return
    with open(a.records, "rb") as f:
        records = json.load(f)
    root = os.path.dirname(os.path.abspath(a.records))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: headers and body go out in separate writes, and with Nagle's algorithm each
        # kept-alive request would wait ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):
            if a.access_log:
                with lock, open(a.access_log, "a") as f:
                    f.write("%s %s %s\n" % (self.client_address[1], self.command, self.path))

        def send_json(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            if u.path == "/api/v1/alerts":
                if a.page_delay_ms:
                    time.sleep(a.page_delay_ms / 1000)
                per = int(q.get("per_page", a.per_page))
                page = int(q.get("page", "1"))
                selected = records
                if a.window_field:
                    lo, hi = parse_time(q.get("earliest")), parse_time(q.get("latest"))
                    selected = [r for r in records
                                if (lo is None or parse_time(r.get(a.window_field)) >= lo)
                                and (hi is None or parse_time(r.get(a.window_field)) < hi)]
                chunk = selected[(page - 1) * per: page * per]
                more = page * per < len(selected)
                nq = dict(q, page=str(page + 1))
                nxt = "/api/v1/alerts?" + urllib.parse.urlencode(nq) if more else None
                self.send_json(200, {"data": chunk, "page": page, "total": len(selected), "next": nxt})
                return
            path = os.path.normpath(os.path.join(root, u.path.lstrip("/")))
            if not path.startswith(root) or not os.path.isfile(path):
                self.send_json(404, {"error": "not found", "path": u.path})
                return
            with open(path, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    if a.tls:
        make_tls(a.tls)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(a.tls, "server.pem"), os.path.join(a.tls, "server.key"))
        # The handshake happens in each connection's own thread (on its first read), not in the
        # accept loop: there, one client slow to finish its handshake held up every other client.
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, a.port_file)
    print("listening on %s://127.0.0.1:%d" % ("https" if a.tls else "http", server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
