#!/usr/bin/env python3
"""A loopback API server for Intake's http_json tests: every pagination and auth kind, NDJSON,
gzip, failures (503 with Retry-After, hangs, huge bodies, redirects to file://), an HTTP proxy
with credentials, and the preset APIs (Splunk search export, Elastic _search with search_after,
CrowdStrike's combined alerts API with OAuth2).

  api_server.py --records FILE [--port-file F] [--tls DIR] [--cert valid|expired|self-signed]
                [--client-ca] [--per-page N] [--access-log F]

It binds 127.0.0.1 only. With --tls DIR it generates a throw-away CA (DIR/ca.pem) and a server
certificate for 127.0.0.1 (expired, or self-signed, on request); with --client-ca it also makes
DIR/client.pem and DIR/client.key and requires that client certificate. The secrets below are
test values that must never appear in Intake's logs, errors or results.
"""
import argparse, base64, datetime, email.utils, gzip, json, os, ssl, subprocess, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASIC = ("intake", "pw-S3cr3t-basic")
BEARER = "tok-S3cr3t-bearer"
API_KEY = "key-S3cr3t-api"
CLIENT = ("client-id-1", "cs-S3cr3t-oauth")
PROXY = ("proxy-user", "px-S3cr3t-proxy")
SPLUNK_TOKEN = "splunk-S3cr3t-token"
ELASTIC = ("elastic", "el-S3cr3t-pass")


def make_tls(d, kind, client):
    os.makedirs(d, exist_ok=True)
    def run(*a):
        subprocess.run(a, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(d, "ca.pem")):
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "30", "-subj", "/CN=Intake Test CA")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    if kind == "self-signed":
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.pem",
            "-days", "30", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    else:
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost")
        run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "-1" if kind == "expired" else "30", "-extfile", "ext.cnf")
    if client:
        with open(os.path.join(d, "client.cnf"), "w") as f:
            f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "client.key", "-out", "client.csr",
            "-subj", "/CN=intake-client")
        run("openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.pem", "-days", "30", "-extfile", "client.cnf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls")
    ap.add_argument("--cert", default="valid")
    ap.add_argument("--client-ca", action="store_true")
    ap.add_argument("--per-page", type=int, default=10)
    ap.add_argument("--access-log")
    a = ap.parse_args()
    with open(a.records, "rb") as f:
        records = json.load(f)
    lock = threading.Lock()
    state = {"tokens": [], "flaky": {}}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: headers and body go out in separate writes, and with Nagle's algorithm each
        # kept-alive request would wait ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):
            pass

        def log(self, extra=""):
            if a.access_log:
                with lock, open(a.access_log, "a") as f:
                    f.write("%s %s %s%s\n" % (self.client_address[1], self.command, self.path, extra))

        def send(self, status, body, ctype="application/json", headers=()):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            elif isinstance(body, str):
                body = body.encode()
            extra = ""
            if self.path_only().startswith("/gzip") and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                headers = list(headers) + [("Content-Encoding", "gzip")]
                extra = " enc=gzip"
            self.log(extra)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def path_only(self):
            return urllib.parse.urlsplit(self.route).path

        def query(self):
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.route).query))

        def body_json(self):
            n = int(self.headers.get("Content-Length", "0") or 0)
            raw = self.rfile.read(n) if n else b""
            self.raw_body = raw
            if not raw:
                return {}
            try:
                return json.loads(raw)
            except ValueError:
                return dict(urllib.parse.parse_qsl(raw.decode()))

        def unauthorized(self):
            self.send(401, {"error": "unauthorized"}, headers=[("WWW-Authenticate", "Bearer")])

        def do_GET(self):
            self.handle_any({})

        def do_POST(self):
            self.handle_any(self.body_json())

        def do_PUT(self):
            self.handle_any(self.body_json())

        def handle_any(self, body):
            self.route = self.path
            if self.path.startswith("http://"):
                want = "Basic " + base64.b64encode(("%s:%s" % PROXY).encode()).decode()
                if self.headers.get("Proxy-Authorization") != want:
                    self.send(407, {"error": "proxy authentication required"},
                              headers=[("Proxy-Authenticate", 'Basic realm="test"')])
                    return
                u = urllib.parse.urlsplit(self.path)
                self.route = u.path + ("?" + u.query if u.query else "")
                self.log(" via-proxy")
            p, q = self.path_only(), self.query()
            per = int(q.get("limit", q.get("per_page", body.get("limit", a.per_page) if isinstance(body, dict) else a.per_page)))
            auth = self.headers.get("Authorization", "")
            if p == "/none" or p == "/gzip":
                self.send(200, {"data": records})
            elif p == "/echo":
                self.send(200, {"data": [{"method": self.command, "query": q, "body": body,
                                          "content_type": self.headers.get("Content-Type", "")}]})
            elif p == "/page":
                n = int(q.get("page", "1"))
                self.send(200, {"data": records[(n - 1) * per: n * per]})
            elif p == "/offset":
                o = int(q.get("offset", "0"))
                self.send(200, {"data": records[o: o + per]})
            elif p == "/cursor":
                c = q.get("cursor") or (body.get("cursor") if isinstance(body, dict) else None) or "i0"
                k = int(c[1:])
                more = k + per < len(records)
                self.send(200, {"data": records[k: k + per], "next_cursor": ("i%d" % (k + per)) if more else None})
            elif p == "/repeat-cursor":
                self.send(200, {"data": records[:1], "next_cursor": "same"})
            elif p == "/next":
                n = int(q.get("page", "1"))
                more = n * per < len(records)
                self.send(200, {"data": records[(n - 1) * per: n * per],
                                "next": ("/next?page=%d&per_page=%d" % (n + 1, per)) if more else None})
            elif p == "/link":
                n = int(q.get("page", "1"))
                more = n * per < len(records)
                h = [("Link", '</link?page=%d&per_page=%d>; rel="next", </link?page=1>; rel="first"' % (n + 1, per))] if more else []
                self.send(200, records[(n - 1) * per: n * per], headers=h)
            elif p == "/ndjson":
                lines = "".join(json.dumps(r) + "\n" for r in records)
                self.send(200, lines, ctype="application/x-ndjson")
            elif p == "/ndjson-bad":
                self.send(200, json.dumps(records[0]) + "\n{\"broken\": \n", ctype="application/x-ndjson")
            elif p == "/flaky":
                key = q.get("key", "k")
                with lock:
                    seen = state["flaky"].get(key, 0)
                    state["flaky"][key] = seen + 1
                if seen < int(q.get("fails", "2")):
                    if q.get("retry_after") == "date":
                        ra = email.utils.formatdate(time.time() + 1, usegmt=True)
                    else:
                        ra = q.get("retry_after", "1")
                    self.send(int(q.get("status", "503")), {"error": "try later"}, headers=[("Retry-After", ra)])
                else:
                    self.send(200, {"data": records})
            elif p == "/status":
                self.send(int(q.get("code", "400")), {"error": "status %s" % q.get("code", "400")})
            elif p == "/hang":
                self.log()
                time.sleep(float(q.get("seconds", "60")))
                self.send(200, {"data": []})
            elif p == "/big":
                self.send(200, {"data": [], "pad": "x" * int(q.get("bytes", "2000000"))})
            elif p == "/redirect-file":
                self.send(302, "", headers=[("Location", "file:///etc/passwd")])
            elif p == "/redirect":
                self.send(302, "", headers=[("Location", "/none")])
            elif p == "/broken-page2":
                n = int(q.get("page", "1"))
                if n == 1:
                    self.send(200, {"data": records[:per]})
                else:
                    self.send(200, "{not json")
            elif p == "/auth/basic":
                want = "Basic " + base64.b64encode(("%s:%s" % BASIC).encode()).decode()
                self.send(200, {"data": records}) if auth == want else self.unauthorized()
            elif p == "/auth/bearer":
                self.send(200, {"data": records}) if auth == "Bearer " + BEARER else self.unauthorized()
            elif p == "/auth/apikey":
                ok = self.headers.get("X-API-Key") == API_KEY or q.get("api_key") == API_KEY
                self.send(200, {"data": records}) if ok else self.unauthorized()
            elif p in ("/auth/oauth2", "/auth/oauth2-rotate"):
                with lock:
                    tokens = list(state["tokens"])
                valid = tokens[1:] if p.endswith("rotate") else tokens
                self.send(200, {"data": records}) if auth.startswith("Bearer ") and auth[7:] in valid else self.unauthorized()
            elif p == "/oauth2/token":
                if body.get("client_id") != CLIENT[0] or body.get("client_secret") != CLIENT[1] \
                        or body.get("grant_type") != "client_credentials":
                    self.send(401, {"error": "invalid_client"})
                    return
                with lock:
                    token = "at-S3cr3t-%d" % (len(state["tokens"]) + 1)
                    state["tokens"].append(token)
                self.send(201, {"access_token": token, "token_type": "bearer", "expires_in": 1799})
            elif p == "/services/search/jobs/export":
                if auth != "Bearer " + SPLUNK_TOKEN:
                    self.unauthorized()
                    return
                if q.get("output_mode") != "json" or not q.get("search"):
                    self.send(400, {"messages": [{"type": "ERROR", "text": "search and output_mode=json are required"}]})
                    return
                lines = [json.dumps({"preview": False, "messages": [{"type": "INFO", "text": "search started"}]})]
                for i, r in enumerate(records):
                    line = {"preview": False, "offset": i, "result": r}
                    if i == len(records) - 1:
                        line["lastrow"] = True
                    lines.append(json.dumps(line))
                self.send(200, "\n".join(lines) + "\n", ctype="application/json")
            elif p.endswith("/_search") and self.command == "POST":
                want = "Basic " + base64.b64encode(("%s:%s" % ELASTIC).encode()).decode()
                if auth != want:
                    self.unauthorized()
                    return
                size = int(body.get("size", 10))
                after = body.get("search_after")
                start = 0
                if after is not None:
                    if not isinstance(after, list):
                        self.send(400, {"error": {"type": "parsing_exception", "reason": "search_after must be an array"}})
                        return
                    idx = [i for i, r in enumerate(records) if r.get("sort") == after]
                    start = idx[0] + 1 if idx else len(records)
                hits = records[start: start + size]
                self.send(200, {"took": 3, "timed_out": False,
                                "hits": {"total": {"value": len(records), "relation": "eq"}, "max_score": None, "hits": hits}})
            elif p == "/alerts/combined/alerts/v1" and self.command == "POST":
                with lock:
                    tokens = list(state["tokens"])
                if not (auth.startswith("Bearer ") and auth[7:] in tokens):
                    self.send(401, {"meta": {}, "errors": [{"code": 401, "message": "access denied, authorization failed"}]})
                    return
                limit = int(body.get("limit", 100))
                after = body.get("after") or ""
                start = int(after[1:]) if after else 0
                chunk = records[start: start + limit]
                nxt = ("a%d" % (start + limit)) if start + limit < len(records) else ""
                self.send(200, {"meta": {"query_time": 0.01, "pagination": {"total": len(records), "limit": limit, "after": nxt},
                                         "trace_id": "t-1"}, "resources": chunk, "errors": []})
            else:
                self.send(404, {"error": "not found", "path": p})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if a.tls:
        make_tls(a.tls, a.cert, a.client_ca)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(a.tls, "server.pem"), os.path.join(a.tls, "server.key"))
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(os.path.join(a.tls, "ca.pem"))
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
