#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON value as Intake holds it: raw records, CEF bodies, cursors and results.
///
/// Integers that fit in 64 bits stay integers so that IDs and ports survive a round trip, and
/// larger ones keep their digits (``bigInt(_:)``); objects keep their members in document order
/// (canonical encoding sorts them).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// An integer beyond `Int64` (an unsigned 64-bit id, a 128-bit counter), as written: an
    /// optional `-` and its digits, with no leading zero. Written back out exactly as it came, as
    /// a number; read as a `Double` where arithmetic needs one. Last, so that the other cases keep
    /// their place in memory (see `JSONValueLayout`).
    case bigInt(String)
}

/// An ordered JSON object. Lookups are linear, which beats hashing for the small objects
/// that records are made of; when a key repeats, the last occurrence wins (as in most parsers).
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: consuming String, value: consuming JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init() { members = [] }
    public init(members: [Member]) { self.members = members }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { Member(key: $0.0, value: $0.1) }
    }
    public init(_ pairs: [(String, JSONValue)]) {
        members = pairs.map { Member(key: $0.0, value: $0.1) }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// The value for `key`, searching from the end so that the last duplicate wins. Keys match
    /// by their UTF-8 bytes, as JSON compares member names (not by Unicode canonical equivalence).
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = lastIndex(ofKey: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = lastIndex(ofKey: key) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// A member name prepared once for many lookups (paths in a compiled mapping): a name of at most
    /// 15 UTF-8 bytes is then matched against inline member names by comparing two words.
    public struct LookupKey: Sendable {
        public let name: String
        let words: InlineString.Words
        let inline: Bool

        public init(_ name: String) {
            self.name = name
            words = InlineString.words(name)
            inline = InlineString.layoutKnown && InlineString.isInline(words)
        }
    }

    /// The position of the last member named `key.name`, or nil; see ``lastIndex(ofKey:)``.
    @inline(__always) public func lastIndex(of key: LookupKey) -> Int? {
        members.withUnsafeBufferPointer { JSONObject.lastIndex(of: key, in: $0) }
    }

    /// ``lastIndex(of:)`` among members in memory.
    @inline(__always) public static func lastIndex(of key: LookupKey, in mb: UnsafeBufferPointer<Member>) -> Int? {
        key.inline ? lastIndex(ofInline: key.words, in: mb) : lastIndex(ofKey: key.name, in: mb)
    }

    /// ``lastIndex(of:)`` among members in memory, for a key read where it is stored (its name is
    /// copied only when it is not inline).
    @inline(__always) public static func lastIndex(of key: UnsafePointer<LookupKey>, in mb: UnsafeBufferPointer<Member>) -> Int? {
        key.pointee.inline ? lastIndex(ofInline: key.pointee.words, in: mb) : lastIndex(ofKey: key.pointee.name, in: mb)
    }

    /// ``lastIndex(ofKey:)`` for an inline name whose words are `kw`: members with inline names
    /// are matched by their words alone, others by their bytes.
    static func lastIndex(ofInline kw: InlineString.Words, in mb: UnsafeBufferPointer<Member>) -> Int? {
        guard let base = mb.baseAddress else { return nil }
        let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
        var i = mb.count - 1
        while i >= 0 {
            let mw = InlineString.words(at: keys + i &* MemoryLayout<Member>.stride)
            if InlineString.isInline(mw) {
                if InlineString.sameText(mw, kw) { return i }
            } else if JSONObject.sameBytes(mb[i].key, inline: kw) {
                return i
            }
            i -= 1
        }
        return nil
    }

    /// The position of the last member named `key` (by UTF-8 bytes), or nil.
    ///
    /// Each member is rejected by its byte count before any bytes are compared, and an identical
    /// string representation matches without comparing bytes at all.
    public func lastIndex(ofKey key: String) -> Int? {
        members.withUnsafeBufferPointer { JSONObject.lastIndex(ofKey: key, in: $0) }
    }

    /// ``lastIndex(ofKey:)`` among members in memory.
    static func lastIndex(ofKey key: String, in mb: UnsafeBufferPointer<Member>) -> Int? {
        if InlineString.layoutKnown {
            let kw = InlineString.words(key)
            if InlineString.isInline(kw) { return lastIndex(ofInline: kw, in: mb) }
        }
        let n = key.utf8.count
        var i = mb.count - 1
        while i >= 0 {
            let k = mb[i].key
            if k.utf8.count == n && JSONObject.sameBytes(k, key) { return i }
            i -= 1
        }
        return nil
    }

    /// Where a member's name is stored inside it.
    @inline(__always) static var keyOffset: Int { MemoryLayout<Member>.offset(of: \Member.key)! }

    /// True when both strings have the same UTF-8 bytes.
    @inline(__always) static func sameBytes(_ a: String, _ b: String) -> Bool {
        // Equal representations hold equal bytes (small strings keep their bytes inline, large ones
        // point at the same storage). Only where a String is two words, as on every 64-bit platform.
        if MemoryLayout<String>.size == MemoryLayout<(UInt64, UInt64)>.size,
           unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) { return true }
        return JSONWriter.withUTF8(a) { x in
            JSONWriter.withUTF8(b) { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    /// True when `s` (not inline) has the same UTF-8 bytes as the inline string whose words are `kw`.
    static func sameBytes(_ s: String, inline kw: InlineString.Words) -> Bool {
        withUnsafeBytes(of: kw) { k in
            JSONWriter.withUTF8(s) { u in
                u.count == InlineString.count(kw) && (u.count == 0 || memcmp(u.baseAddress!, k.baseAddress!, u.count) == 0)
            }
        }
    }

    /// Appends without looking for an existing key: for builders that know keys are unique.
    /// Both are taken over (`consuming`): a value built for the object moves in without a retain.
    public mutating func append(_ key: consuming String, _ value: consuming JSONValue) {
        members.append(Member(key: key, value: value))
    }
}

// Deliberately not ExpressibleByNilLiteral: `nil` for a `JSONValue?` must mean "absent", never `.null`.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(members: elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}

extension JSONValue {
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// The value as an integer when it is an integer, or a double with no fractional part.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bigInt(let digits): return Double(digits)
        default: return nil
        }
    }

    /// Member lookup on objects; nil for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The value at a dotted path such as `meta.next` or `items.0.id` (numbers index arrays);
    /// the empty path is the value itself; nil when any step is missing.
    public func value(atPath path: String) -> JSONValue? {
        var v: JSONValue? = self
        for part in path.split(separator: ".") {
            switch v {
            case .array(let a)?:
                guard let i = Int(part), i >= 0, i < a.count else { return nil }
                v = a[i]
            case .object(let o)?: v = o[String(part)]
            default: return nil
            }
        }
        return v
    }

    /// True for null, "", [] and {}: the values a mapping treats as empty.
    public var isEmptyValue: Bool {
        switch self {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double, .bigInt: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Text for templates and tables: strings as they are, scalars in JSON form, containers as compact JSON.
    public var textValue: String {
        switch self {
        case .string(let s): return s
        case .null: return ""
        default: return JSONWriter.string(self)
        }
    }
}
