import Foundation
import IntakeCore
import IntakeHTTP
import IntakeStore
import Testing

/// nginx on loopback with TLS and HTTP/2, serving static JSON pages from a temporary directory.
final class NginxServer: @unchecked Sendable {
    // @unchecked: every stored property is set once in init and only read afterwards.
    let process: Process
    let directory: String
    let port: Int
    let caFile: String
    var baseURL: String { "https://127.0.0.1:\(port)" }

    init(pages: [String: String]) throws {
        let ca = try FeedServer.unrelatedCA()  // a fresh CA with a server certificate for 127.0.0.1 beside it
        let tls = (ca as NSString).deletingLastPathComponent
        caFile = ca
        directory = try makeTemporaryDirectory("nginx")
        let fm = FileManager.default
        for d in ["www", "tmp", "logs"] { try fm.createDirectory(atPath: directory + "/" + d, withIntermediateDirectories: true) }
        for (name, body) in pages { try body.write(toFile: directory + "/www/" + name, atomically: true, encoding: .utf8) }
        port = try NginxServer.freePort()
        let d = directory
        try """
            daemon off;
            worker_processes 1;
            pid \(d)/nginx.pid;
            error_log \(d)/logs/error.log;
            events { worker_connections 64; }
            http {
              access_log \(d)/logs/access.log;
              client_body_temp_path \(d)/tmp/body; proxy_temp_path \(d)/tmp/proxy; fastcgi_temp_path \(d)/tmp/fcgi;
              uwsgi_temp_path \(d)/tmp/uwsgi; scgi_temp_path \(d)/tmp/scgi;
              server {
                listen 127.0.0.1:\(port) ssl http2;
                ssl_certificate \(tls)/server.pem;
                ssl_certificate_key \(tls)/server.key;
                root \(d)/www;
                default_type application/json;
              }
            }
            """.write(toFile: d + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", d, "-c", d + "/nginx.conf", "-e", d + "/logs/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if fm.fileExists(atPath: d + "/nginx.pid") { break }
            usleep(25_000)
        }
    }

    static func freePort() throws -> Int {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        guard let port = Int(String(decoding: data, as: UTF8.self).trimmingSpaces) else {
            throw IntakeError(.connection, "no free port")
        }
        return port
    }

    func stop() {
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("HTTP/2 over TLS", .serialized)
struct HTTP2Tests {
    @Test("a server that offers HTTP/2 is spoken to in HTTP/2, and a paged poll stores every record")
    func http2() async throws {
        let page1 = #"{"data": [{"id": "a"}, {"id": "b"}], "next": "/p2.json"}"#
        let page2 = #"{"data": [{"id": "c"}], "next": null}"#
        let server = try NginxServer(pages: ["p1.json": page1, "p2.json": page2])
        defer { server.stop() }
        let pem = try TrustStore.assemble(assetBundle: server.caFile, serviceBundle: nil, certsDirectory: nil)
        let session = try HTTPSession(configuration: HTTPClientConfiguration(tls: TLSSettings(trustedPEM: pem)))
        let response = try await session.send(HTTPRequest(url: server.baseURL + "/p1.json"))
        #expect(response.httpVersion == "2")
        let asset = try AssetDirectory(configuration: "base_url: \(server.baseURL)\npath: /p1.json", trust: server.caFile)
        defer { asset.remove() }
        let (result, store) = try await asset.poll()
        #expect(result.status == .success, "\(result.actionResults.first?.message ?? "")")
        #expect(try await store.artifacts(ArtifactQuery()).count == 3)
        await store.close()
    }
}
