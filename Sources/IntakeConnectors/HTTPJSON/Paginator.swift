import IntakeCore
import IntakeHTTP

/// Decides, page by page, what to fetch next: a pure state machine over the responses of one poll.
struct Paginator: Sendable {
    let settings: HTTPJSONSettings
    /// Page number, offset and cursor of the next request.
    private(set) var page: Int64
    private(set) var offset: Int64 = 0
    private(set) var cursor: JSONValue?
    /// An absolute URL to fetch next (next_url and link_header), replacing the configured request.
    private(set) var nextURL: String?
    private(set) var pagesFetched = 0
    private var seenCursors: Set<JSONValue> = []
    private var seenURLs: Set<String> = []

    init(settings: HTTPJSONSettings) {
        self.settings = settings
        page = settings.pageStart
    }

    /// Registers the URL about to be fetched; fails when it was fetched before in this poll or max_pages is reached.
    mutating func willFetch(_ url: String, shown: String) throws(IntakeError) {
        pagesFetched += 1
        if pagesFetched > settings.maxPages {
            throw IntakeError(.connector, "more than max_pages (\(settings.maxPages)) pages in one window", at: shown,
                              hint: "raise configuration.max_pages or narrow the window")
        }
        if nextURL != nil, !seenURLs.insert(url).inserted {
            throw IntakeError(.connector, "the server sent a next link that was already fetched; stopping to avoid an endless loop",
                              at: shown)
        }
        seenURLs.insert(url)
    }

    /// Moves to the next page given the last response; returns false when the window is complete.
    mutating func advance(response: HTTPResponse, body: JSONValue?, records: Int, requestURL: String,
                          shown: String) throws(IntakeError) -> Bool {
        switch settings.pagination {
        case .none:
            return false
        case .page:
            guard records > 0, Int64(records) >= settings.pageSize else { return false }
            page += 1
            return true
        case .offset:
            guard records > 0, Int64(records) >= settings.pageSize else { return false }
            offset += Int64(records)
            return true
        case .cursor:
            guard records > 0, let body, let next = ResponsePath.value(body, at: settings.cursorPath), !next.isEmptyValue else {
                return false
            }
            if next == cursor || !seenCursors.insert(next).inserted {
                throw IntakeError(.connector, "the server returned the cursor \(JSONWriter.string(next).prefix(80)) again at "
                                  + "'\(settings.cursorPath)'; stopping to avoid an endless loop", at: shown)
            }
            cursor = next
            return true
        case .nextURL:
            guard let body, case .string(let link)? = ResponsePath.value(body, at: settings.nextPath), !link.isEmpty else {
                return false
            }
            nextURL = try Paginator.resolve(link, against: requestURL, at: shown)
            return true
        case .linkHeader:
            guard let header = response.header("link"), let link = Paginator.nextLink(in: header) else { return false }
            nextURL = try Paginator.resolve(link, against: requestURL, at: shown)
            return true
        }
    }

    /// The `rel="next"` target of an RFC 8288 Link header.
    static func nextLink(in header: String) -> String? {
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingSpaces }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = fields.dropFirst().contains { f in
                let kv = f.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingSpaces.lowercased() == "rel" else { return false }
                return kv[1].trimmingSpaces.trimmingCharacters(quote: "\"").lowercased().split(separator: " ").contains("next")
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }

    /// Resolves a next link: absolute http(s) URLs as they are, paths against the current URL.
    static func resolve(_ next: String, against current: String, at location: String) throws(IntakeError) -> String {
        let lower = next.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return next }
        if next.contains("://") || lower.hasPrefix("file:") {
            throw IntakeError(.connector, "refusing a next link with a scheme other than http or https", at: location)
        }
        guard let schemeEnd = current.firstRange(of: "://") else { return next }
        let afterScheme = current[schemeEnd.upperBound...]
        let originEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let origin = String(current[..<originEnd])
        if next.hasPrefix("//") { return String(current[..<schemeEnd.lowerBound]) + ":" + next }
        if next.hasPrefix("/") { return origin + next }
        let path = current[originEnd...].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if next.hasPrefix("?") { return origin + path + next }
        let dir = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return origin + dir + next
    }
}

extension String {
    /// The string without one pair of surrounding `quote` characters.
    func trimmingCharacters(quote: Character) -> String {
        if count >= 2, first == quote, last == quote { return String(dropFirst().dropLast()) }
        return self
    }
}
