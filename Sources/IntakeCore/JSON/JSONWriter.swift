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

    public mutating func appendRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
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
            let ms = o.members
            if JSONWriter.isOrdered(ms) {
                // Already in key order (artifact bodies, small objects): no sorting, no copy.
                for i in ms.indices {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    writeString(ms[i].key)
                    bytes.append(UInt8(ascii: ":"))
                    write(ms[i].value, indent: indent + 1)
                }
            } else {
                // Sort member positions (a small stack buffer for small objects), then write the
                // members in that order straight from the object: no member copies, no retains.
                ms.withUnsafeBufferPointer { mb in
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
        let ms = o.members
        if isOrdered(ms) { return ms }
        return ms.withUnsafeBufferPointer { mb in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: mb.count) { order in
                let n = sortedPositions(mb, into: order)
                return (0..<n).map { mb[order[$0]] }
            }
        }
    }

    /// Writes into `order` the positions of `ms` sorted by key bytes (stable), keeping only the
    /// last of repeated keys; returns how many positions it wrote.
    static func sortedPositions(_ ms: UnsafeBufferPointer<JSONObject.Member>, into order: UnsafeMutableBufferPointer<Int>) -> Int {
        let count = ms.count
        for i in 0..<count { order[i] = i }
        // Insertion sort: records' objects are small and often nearly ordered.
        var i = 1
        while i < count {
            let p = order[i]
            var j = i - 1
            while j >= 0 {
                let q = order[j]
                let c = compareUTF8(ms[q].key, ms[p].key)
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
            if n > 0 && ms[order[n - 1]].key == ms[order[k]].key { order[n - 1] = order[k] } else { order[n] = order[k]; n += 1 }
        }
        return n
    }

    /// True when the keys are strictly increasing by UTF-8 bytes (so sorted, with no repeats).
    @inline(__always) static func isOrdered(_ ms: [JSONObject.Member]) -> Bool {
        if ms.count < 2 { return true }
        for i in 1..<ms.count where !utf8Less(ms[i - 1].key, ms[i].key) { return false }
        return true
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

    mutating func writeInt(_ i: Int64) {
        // Int64's description is at most 20 characters, a small string: no allocation.
        bytes.append(contentsOf: String(i).utf8)
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
    mutating func writeOptional(_ s: String?) {
        if let s { writeString(s) } else { appendRaw("null") }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            var runStart = 0
            var i = 0
            let n = u.count
            while i < n {
                let c = u[i]
                if c >= 0x20 && c != 0x22 && c != 0x5C { i += 1; continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
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
            if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
