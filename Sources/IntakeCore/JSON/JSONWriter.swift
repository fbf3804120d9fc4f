/// Writes ``JSONValue``s as compact JSON bytes, without Foundation.
///
/// In canonical form object keys are sorted by their UTF-8 bytes (and a repeated key keeps its
/// last value), there is no insignificant whitespace, and strings use the shortest escapes:
/// the same value always gives the same bytes, which is what artifact hashes are taken over.
public struct JSONWriter {
    public enum Style: Sendable {
        case compact
        case canonical
        case pretty
    }

    public private(set) var bytes: [UInt8] = []
    public let style: Style

    public init(style: Style = .compact, capacity: Int = 256) {
        self.style = style
        bytes.reserveCapacity(capacity)
    }

    /// The value as a compact (or canonical, or pretty) JSON string.
    public static func string(_ value: JSONValue, style: Style = .compact) -> String {
        var w = JSONWriter(style: style)
        w.write(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// The canonical encoding of a value.
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter(style: .canonical, capacity: 2048)
        w.write(value)
        return w.bytes
    }

    public mutating func write(_ value: JSONValue) { write(value, indent: 0) }

    /// Empties the writer, keeping its capacity, to write another value.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    public mutating func appendRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
    /// Appends text as it is: JSON the caller encoded earlier (nothing checks it).
    public mutating func appendRaw(_ raw: String) { bytes.append(contentsOf: raw.utf8) }
    public mutating func appendRaw(_ raw: StaticString) {
        raw.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: appendRaw("null")
        case .bool(let b): if b { appendRaw("true") } else { appendRaw("false") }
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                write(e, indent: indent + 1)
            }
            if !a.isEmpty { newline(indent) }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            writeObject(o, indent: indent)
        }
    }

    mutating func writeObject(_ o: JSONObject, indent: Int) {
        bytes.append(UInt8(ascii: "{"))
        if style == .canonical {
            o.members.withUnsafeBufferPointer { mb in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: mb.count) { order in
                    let n = JSONWriter.sortedPositions(mb, into: order)
                    for j in 0..<n {
                        if j > 0 { bytes.append(UInt8(ascii: ",")) }
                        let m = mb[order[j]]
                        writeString(m.key)
                        bytes.append(UInt8(ascii: ":"))
                        write(m.value, indent: indent + 1)
                    }
                }
            }
        } else {
            for (i, m) in o.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writeString(m.key)
                bytes.append(UInt8(ascii: ":"))
                if style == .pretty { bytes.append(UInt8(ascii: " ")) }
                write(m.value, indent: indent + 1)
            }
            if !o.isEmpty { newline(indent) }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Members sorted by key bytes, keeping only the last of repeated keys.
    static func canonicalMembers(_ o: JSONObject) -> [JSONObject.Member] {
        o.members.withUnsafeBufferPointer { mb in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: mb.count) { order in
                let n = sortedPositions(mb, into: order)
                return (0..<n).map { mb[order[$0]] }
            }
        }
    }

    /// Writes into `order` the positions of `ms` sorted by key bytes (stable), keeping only the
    /// last of repeated keys; returns how many positions it wrote.
    ///
    /// Keys are compared by their first eight bytes as one big-endian integer, read once per key;
    /// only keys that share those bytes are compared in full. Objects already in order (artifact
    /// bodies, most small objects) cost one pass.
    static func sortedPositions(_ ms: UnsafeBufferPointer<JSONObject.Member>, into order: UnsafeMutableBufferPointer<Int>) -> Int {
        let count = ms.count
        if count < 2 {
            if count == 1 { order[0] = 0 }
            return count
        }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { prefixes in
            // -1, 0 or 1 as member p's key sorts before, equal to or after member q's.
            @inline(__always) func compare(_ p: Int, _ q: Int) -> Int {
                let a = prefixes[p], b = prefixes[q]
                if a != b { return a < b ? -1 : 1 }
                return compareUTF8(ms[p].key, ms[q].key)
            }
            var ordered = true
            for i in 0..<count {
                prefixes[i] = keyPrefix(ms[i].key)
                order[i] = i
                if ordered && i > 0 && compare(i - 1, i) >= 0 { ordered = false }
            }
            if ordered { return count }
            // Insertion sort: records' objects are small and often nearly ordered.
            var i = 1
            while i < count {
                let p = order[i]
                var j = i - 1
                while j >= 0 {
                    let q = order[j]
                    let c = compare(q, p)
                    if c < 0 || (c == 0 && q < p) { break }
                    order[j + 1] = q
                    j -= 1
                }
                order[j + 1] = p
                i += 1
            }
            // Equal keys are adjacent, in document order: keep the last.
            var n = 0
            for k in 0..<count {
                if n > 0 && compare(order[n - 1], order[k]) == 0 { order[n - 1] = order[k] } else { order[n] = order[k]; n += 1 }
            }
            return n
        }
    }

    /// The first eight UTF-8 bytes of `s` as a big-endian integer, zero-padded: comparing two
    /// prefixes orders their keys whenever the prefixes differ.
    @inline(__always) static func keyPrefix(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { u in
            var p: UInt64 = 0
            let n = min(8, u.count)
            var i = 0
            while i < n {
                p |= UInt64(u[i]) << UInt64(56 - 8 * i)
                i += 1
            }
            return p
        }
    }

    /// True when `a` sorts strictly before `b` by UTF-8 bytes.
    @inline(__always) static func utf8Less(_ a: String, _ b: String) -> Bool {
        compareUTF8(a, b) < 0
    }

    /// -1, 0 or 1 as `a` sorts before, equal to or after `b` by UTF-8 bytes.
    @inline(__always) static func compareUTF8(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { ua in
            b.withUTF8 { ub in
                let n = min(ua.count, ub.count)
                var i = 0
                while i < n {
                    let x = ua[i], y = ub[i]
                    if x != y { return x < y ? -1 : 1 }
                    i += 1
                }
                return ua.count == ub.count ? 0 : (ua.count < ub.count ? -1 : 1)
            }
        }
    }

    @inline(__always) mutating func newline(_ indent: Int) {
        guard style == .pretty else { return }
        bytes.append(0x0A)
        for _ in 0..<indent { bytes.append(0x20); bytes.append(0x20) }
    }

    public mutating func writeInt(_ i: Int64) {
        if i >= 0 && i < 10 {
            bytes.append(UInt8(truncatingIfNeeded: i) &+ 0x30)
            return
        }
        // Digits from the right into a small stack buffer (an Int64 has at most 19 and a sign).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var v = i.magnitude
            var at = 20
            repeat {
                at -= 1
                buf[at] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                v /= 10
            } while v != 0
            if i < 0 {
                at -= 1
                buf[at] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[at..<20]))
        }
    }

    mutating func writeDouble(_ d: Double) {
        guard d.isFinite else { appendRaw("null"); return }
        if d.rounded() == d && abs(d) < 1e15 {
            // Integral doubles print without an exponent, keeping a ".0" so the type is visible.
            writeInt(Int64(d))
            appendRaw(".0")
            return
        }
        bytes.append(contentsOf: d.description.utf8)
    }

    /// A string, or `null` for nil.
    public mutating func writeOptional(_ s: String?) {
        if let s { writeString(s) } else { appendRaw("null") }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeString(utf8: $0) }
    }

    /// A JSON string from UTF-8 bytes: runs that need no escape are copied whole; the scan looks
    /// at eight bytes at a time for a control character, a quote or a backslash.
    mutating func writeString(utf8 u: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        guard let base = u.baseAddress else {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let n = u.count
        var runStart = 0
        var i = 0
        while true {
            i = JSONWriter.firstEscape(base, from: i, count: n)
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
            if i == n { break }
            let c = base[i]
            switch c {
            case 0x22: appendRaw("\\\"")
            case 0x5C: appendRaw("\\\\")
            case 0x0A: appendRaw("\\n")
            case 0x0D: appendRaw("\\r")
            case 0x09: appendRaw("\\t")
            case 0x08: appendRaw("\\b")
            case 0x0C: appendRaw("\\f")
            default:
                appendRaw("\\u00")
                bytes.append(JSONWriter.hex[Int(c >> 4)])
                bytes.append(JSONWriter.hex[Int(c & 0xF)])
            }
            i += 1
            runStart = i
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The position of the first byte at or after `from` that a JSON string must escape, or `count`.
    @inline(__always) static func firstEscape(_ base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        var i = from
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // Exact tests for "some byte is < 0x20", "some byte is '\"'", "some byte is '\\'".
            let control = (w &- ones &* 0x20) & ~w & highs
            let q = w ^ (ones &* 0x22)
            let quote = (q &- ones) & ~q & highs
            let b = w ^ (ones &* 0x5C)
            let backslash = (b &- ones) & ~b & highs
            if control | quote | backslash != 0 { break }
            i += 8
        }
        while i < count {
            let c = base[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return i }
            i += 1
        }
        return count
    }
}
