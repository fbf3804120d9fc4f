import CCurl
import IntakeCore
import Synchronization

/// libcurl's global state, initialised once before the first handle (thread-safe via Swift's lazy globals).
let curlGlobalInit: Bool = {
    curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}()

/// One libcurl easy handle and the state its callbacks write into.
///
/// The handle keeps its connection cache between requests, so the pages of one poll reuse one
/// connection. It is used by one thread at a time: ``HTTPSession`` holds it under a lock for each transfer.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    let transfer = TransferState()
    /// A valid pointer to zero bytes, for requests with an empty body. Unsafe is fine: it is never written or freed.
    nonisolated(unsafe) static let emptyBody = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private var slists: [UnsafeMutablePointer<curl_slist>] = []
    /// Kept alive while curl holds a pointer to it (CURLOPT_CAINFO_BLOB copies, but be safe).
    private var caBlob: [UInt8] = []

    init() throws(IntakeError) {
        guard curlGlobalInit, let h = curl_easy_init() else {
            throw IntakeError(.http, "libcurl could not be initialised")
        }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for s in slists { curl_slist_free_all(s) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) { _ = intake_curl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: String?) {
        if let value { _ = value.withCString { intake_curl_setopt_string(handle, option, $0) } } else {
            _ = intake_curl_setopt_string(handle, option, nil)
        }
    }

    /// Applies settings that hold for every request of a session.
    func configure(_ c: HTTPClientConfiguration) {
        set(CURLOPT_NOSIGNAL, 1)
        _ = intake_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(c.connectTimeout.microseconds / 1000))
        set(CURLOPT_TIMEOUT_MS, Int(c.totalTimeout.microseconds / 1000))
        set(CURLOPT_LOW_SPEED_LIMIT, 1)
        set(CURLOPT_LOW_SPEED_TIME, max(1, Int(c.lowSpeedTimeout.microseconds / 1_000_000)))
        set(CURLOPT_FOLLOWLOCATION, c.maxRedirects > 0 ? 1 : 0)
        set(CURLOPT_MAXREDIRS, c.maxRedirects)
        // Only http and https, for the first request and for every redirect (no file://, gopher://...).
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl supports: gzip, deflate, br when built in
        set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        set(CURLOPT_USERAGENT, c.userAgent)
        _ = intake_curl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(c.maxResponseBytes))
        set(CURLOPT_TCP_KEEPALIVE, 1)
        if let proxy = c.proxy { set(CURLOPT_PROXY, proxy) } else { set(CURLOPT_PROXY, "") }
        if let user = c.proxyUsername { set(CURLOPT_PROXYUSERNAME, user) }
        if let password = c.proxyPassword { set(CURLOPT_PROXYPASSWORD, password) }
        if c.collectTLSDetails {
            set(CURLOPT_CERTINFO, 1)
            // Only informational lines are kept, to find the negotiated protocol; no data is logged.
            set(CURLOPT_VERBOSE, 1)
            _ = intake_curl_setopt_debug(handle, CURLOPT_DEBUGFUNCTION, curlDebugCallback)
            _ = intake_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(transfer).toOpaque())
        }
        set(CURLOPT_SSL_VERIFYPEER, c.tls.verifyServerCertificate ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, c.tls.verifyServerCertificate ? 2 : 0)
        if let pem = c.tls.trustedPEM {
            caBlob = pem
            caBlob.withUnsafeMutableBytes { raw in
                var blob = curl_blob(data: raw.baseAddress, len: raw.count, flags: UInt32(CURL_BLOB_COPY))
                _ = intake_curl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, &blob)
            }
            // The assembled bundle is the whole trust: no hashed CA directory besides it.
            set(CURLOPT_CAPATH, nil as String?)
        }
        if let cert = c.tls.clientCertificate { set(CURLOPT_SSLCERT, cert) }
        if let key = c.tls.clientKey { set(CURLOPT_SSLKEY, key) }
        if let password = c.tls.clientKeyPassword { set(CURLOPT_KEYPASSWD, password) }
        transfer.maxBytes = c.maxResponseBytes
        transfer.collectsTLS = c.collectTLSDetails
        let me = Unmanaged.passUnretained(transfer).toOpaque()
        _ = intake_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        _ = intake_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        _ = intake_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        _ = intake_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
    }

    /// Performs one request; blocks the calling thread.
    func perform(_ request: HTTPRequest, cancelled: borrowing Atomic<Bool>) -> Result<HTTPResponse, CurlFailure> {
        transfer.reset()
        errorBuffer[0] = 0
        set(CURLOPT_URL, request.url)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for h in request.headers {
            list = curl_slist_append(list, "\(h.name): \(h.value)")
        }
        if request.body != nil && !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            list = curl_slist_append(list, "Expect:")
        }
        _ = intake_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        defer {
            _ = intake_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            if let list { curl_slist_free_all(list) }
        }
        let method = request.method.uppercased()
        set(CURLOPT_HTTPGET, 1)
        set(CURLOPT_CUSTOMREQUEST, nil as String?)
        var body = request.body ?? []
        let code: CURLcode = body.withUnsafeMutableBytes { raw in
            if request.body != nil || method == "POST" || method == "PUT" || method == "PATCH" {
                set(CURLOPT_POST, 1)
                _ = intake_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
                // An empty body still needs a non-null pointer, or curl would read the body from stdin.
                _ = intake_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, raw.baseAddress ?? UnsafeMutableRawPointer(CurlEasy.emptyBody))
            }
            if method != "GET" && method != "POST" { set(CURLOPT_CUSTOMREQUEST, method) }
            if cancelled.load(ordering: .relaxed) { return CURLE_ABORTED_BY_CALLBACK }
            return curl_easy_perform(handle)
        }
        _ = intake_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            return .failure(CurlFailure(code: code, detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                                        exceededSize: transfer.exceeded))
        }
        var status = 0
        _ = intake_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = intake_curl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        var total = 0.0
        _ = intake_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &total)
        var effective: UnsafeMutablePointer<CChar>? = nil
        _ = intake_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        let versionName: String
        switch version {
        case Int(CURL_HTTP_VERSION_2_0): versionName = "2"
        case Int(CURL_HTTP_VERSION_3): versionName = "3"
        case Int(CURL_HTTP_VERSION_1_0): versionName = "1.0"
        default: versionName = "1.1"
        }
        var response = HTTPResponse(status: status, headers: transfer.headers, body: transfer.body,
                                    effectiveURL: effective.map { String(cString: $0) } ?? request.url,
                                    httpVersion: versionName, totalTime: total)
        if transfer.collectsTLS { response.tls = tlsDetails() }
        return .success(response)
    }

    /// The TLS protocol seen in libcurl's informational lines and the peer certificate's fields.
    func tlsDetails() -> TLSDetails? {
        var details = TLSDetails()
        if let line = transfer.tlsLine {
            // "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384"
            let parts = line.split(separator: "/").map { $0.trimmingSpaces }
            details.protocolVersion = parts.first.map { String($0.split(separator: " ").last ?? "") } ?? ""
            details.cipher = parts.count > 1 ? parts[1] : ""
        }
        if intake_curl_certinfo_count(handle) > 0 {
            var item = intake_curl_certinfo_at(handle, 0)
            while let node = item {
                let field = String(cString: node.pointee.data)
                if let colon = field.firstIndex(of: ":") {
                    let value = String(field[field.index(after: colon)...]).trimmingSpaces
                    switch field[..<colon] {
                    case "Subject": details.subject = value
                    case "Issuer": details.issuer = value
                    case "Expire date": details.expires = value
                    default: break
                    }
                }
                item = node.pointee.next
            }
        }
        if details.protocolVersion.isEmpty && details.subject.isEmpty { return nil }
        return details
    }

    /// Number of new connections libcurl opened for the last transfer (0 when one was reused).
    var newConnections: Int {
        var n = 0
        _ = intake_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &n)
        return n
    }
}

/// A libcurl failure with its code and curl's own explanation.
struct CurlFailure: Error {
    var code: CURLcode
    var detail: String
    var exceededSize: Bool
}

/// Response bytes and headers as the callbacks collect them.
final class TransferState {
    var body: [UInt8] = []
    var headers: [HTTPHeader] = []
    var maxBytes = Int.max
    var exceeded = false
    /// libcurl's "SSL connection using ..." line of the last handshake.
    var tlsLine: String?
    var collectsTLS = false

    func reset() {
        body.removeAll(keepingCapacity: true)
        headers.removeAll()
        exceeded = false
        tlsLine = nil
    }
}

private let curlWriteCallback: intake_curl_data_callback = { ptr, size, count, user in
    let n = size * count
    guard let ptr, let user else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue()
    if state.body.count + n > state.maxBytes {
        state.exceeded = true
        return 0  // makes curl stop with CURLE_WRITE_ERROR
    }
    ptr.withMemoryRebound(to: UInt8.self, capacity: n) { state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
    return n
}

private let curlHeaderCallback: intake_curl_data_callback = { ptr, size, count, user in
    let n = size * count
    guard let ptr, let user else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue()
    let line = ptr.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        state.headers.removeAll()  // a new response (after a redirect or 100-continue) starts
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingSpaces.lowercased()
        let value = line[line.index(after: colon)...].trimmingSpaces
        state.headers.append(HTTPHeader(name, value))
    }
    return n
}

/// Keeps only the informational line that names the negotiated TLS protocol; headers and data are ignored.
private let curlDebugCallback: intake_curl_debug_callback = { _, type, data, size, user in
    guard type == CURLINFO_TEXT, let data, let user else { return 0 }
    let text = data.withMemoryRebound(to: UInt8.self, capacity: size) {
        String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
    }
    if text.hasPrefix("SSL connection using") {
        Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue().tlsLine = text.trimmingSpaces
    }
    return 0
}
