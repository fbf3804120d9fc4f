import Synchronization

/// What was made from a configuration file's text, kept for as long as the file's text is the same.
///
/// `intake run` reads an asset's file several times per poll (when it fires, to run the poll, to
/// find the next fire) and its mapping once, so that an edit takes effect at the next poll without
/// a reload. Parsing that YAML again each time was a fifth of the scheduler's CPU with 10,000
/// assets. The file is still read every time; only when its text is exactly the text of the last
/// read is the result reused, so an edit is seen at once, whatever the file's times or size say.
/// Failures are not kept: a broken file is parsed again, and reported again, on every read.
public final class FileTextCache<Value: Sendable>: Sendable {
    private struct Entry {
        var text: String
        var value: Value
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The value made from `text` for `key` (a file's path): the kept one when the last text seen
    /// for `key` was the same, else `make()`'s, which is then kept.
    public func value<E: Error>(for key: String, text: String, _ make: () throws(E) -> Value) throws(E) -> Value {
        if let kept = entries.withLock({ $0[key] }), kept.text == text { return kept.value }
        let value = try make()
        entries.withLock { $0[key] = Entry(text: text, value: value) }
        return value
    }

    /// How many files' results are kept.
    public var count: Int { entries.withLock { $0.count } }
}
