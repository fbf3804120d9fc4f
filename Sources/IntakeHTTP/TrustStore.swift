import IntakeCore
import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Assembles the certificates a session trusts, as SOAR builds its cacerts.pem:
/// the asset's `ca_bundle`, else the service's, else the system bundle; plus every PEM in `certs/`.
public enum TrustStore {
    /// Places where Linux distributions keep the system bundle, tried after libcurl's own default.
    static let systemBundles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
        "/etc/ssl/ca-bundle.pem",
    ]

    /// The PEM bytes to trust.
    /// - Parameters:
    ///   - assetBundle: the asset's `ca_bundle` path, if any.
    ///   - serviceBundle: the service's `ca_bundle` path, if any.
    ///   - certsDirectory: a directory whose `*.pem` files are all trusted in addition.
    public static func assemble(assetBundle: String?, serviceBundle: String?, certsDirectory: String?) throws(IntakeError) -> [UInt8] {
        var pem: [UInt8] = []
        if let path = assetBundle ?? serviceBundle {
            pem = try readPEM(path, what: assetBundle != nil ? "the asset's ca_bundle" : "the service's ca_bundle")
        } else if let system = systemBundlePath() {
            pem = (try? readFile(system)) ?? []
        }
        if let dir = certsDirectory {
            for file in pemFiles(in: dir) {
                if !pem.isEmpty && pem.last != 0x0A { pem.append(0x0A) }
                pem += try readPEM(file, what: "the trusted certificate")
            }
        }
        return pem
    }

    /// The system CA bundle libcurl would use.
    public static func systemBundlePath() -> String? {
        if let p = intake_curl_default_cainfo() {
            let s = String(cString: p)
            if access(s, R_OK) == 0 { return s }
        }
        return systemBundles.first { access($0, R_OK) == 0 }
    }

    /// Sorted `*.pem` files of a directory (none when it does not exist).
    public static func pemFiles(in directory: String) -> [String] {
        guard let d = opendir(directory) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasSuffix(".pem") && !name.hasPrefix(".") { names.append(directory + "/" + name) }
        }
        return names.sorted()
    }

    static func readPEM(_ path: String, what: String) throws(IntakeError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw IntakeError(.tls, "cannot read \(what) \(path): \(error.message)", hint: "check the path and its permissions")
        }
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw IntakeError(.tls, "\(what) \(path) holds no PEM certificate", hint: "expected -----BEGIN CERTIFICATE----- blocks")
        }
        return bytes
    }
}

/// Reads a whole file; the error names the system's reason.
func readFile(_ path: String) throws(IntakeError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw IntakeError(.notFound, String(cString: strerror(errno)), at: path) }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw IntakeError(.notFound, String(cString: strerror(errno)), at: path)
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
