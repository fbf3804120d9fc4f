/// A byte-level JSON parser into ``JSONValue``, written for speed on the ingest hot path
/// (Foundation's parsers run at a tenth of the speed) and for exact errors on bad input.
///
/// It accepts RFC 8259 JSON, rejects invalid UTF-8, and limits nesting depth so that a
/// hostile document cannot exhaust the stack.
public struct JSONParser {
    /// Where and why a document failed to parse.
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public var message: String
        public var offset: Int
        public var line: Int
        public var column: Int
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// The deepest nesting accepted; deeper documents fail with a clear error.
    public static let defaultMaxDepth = 256

    /// Parses one JSON document.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buf) throws(Failure) -> JSONValue in
            var p = Cursor(buf: buf, maxDepth: maxDepth)
            defer { p.releaseStacks() }
            // A UTF-8 byte order mark, which Windows tools write, is skipped (RFC 8259 allows it).
            if buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF { p.pos = 3 }
            p.skipWhitespace()
            let v = try p.parseValue(depth: 0)
            p.skipWhitespace()
            if p.pos != buf.count { throw p.failure("unexpected data after the JSON value") }
            return v
        }
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(Failure) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Parses newline-delimited JSON: one document per non-blank line.
    /// Returns each line's value or failure, so a bad line does not hide the good ones.
    public static func parseLines(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) -> [Result<JSONValue, Failure>] {
        var results: [Result<JSONValue, Failure>] = []
        var start = 0
        var lineNumber = 1
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            let slice = bytes[start..<end]
            if slice.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                do {
                    results.append(.success(try parse(slice, maxDepth: maxDepth)))
                } catch {
                    var e = error
                    e.line = lineNumber
                    e.offset += start
                    results.append(.failure(e))
                }
            }
            start = end + 1
            lineNumber += 1
        }
        return results
    }

    /// A stack the parser collects an object's members (or an array's elements) on, nested values'
    /// above their parents'. A finished container's items are moved off the top into an array of
    /// exactly their count: one allocation per container instead of one per doubling of its size.
    struct ItemStack<Element> {
        private var base: UnsafeMutablePointer<Element>
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int) {
            base = .allocate(capacity: capacity)
            self.capacity = capacity
        }

        @inline(__always) mutating func push(_ e: Element) {
            if count == capacity { grow() }
            (base + count).initialize(to: e)
            count += 1
        }

        @inline(never) private mutating func grow() {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }

        /// The items from `start` up, moved into an array; the stack drops back to `start`.
        mutating func pop(from start: Int) -> [Element] {
            let n = count - start
            if n == 0 { return [] }
            // Reserved, then appended by moving: both specialised for `Element`. The one-call
            // `Array(unsafeUninitializedCapacity:)` goes through the standard library's generic
            // entry point, which looks up the array storage's type metadata at run time on every
            // call (a quarter of a record's parsing).
            var items = [Element]()
            items.reserveCapacity(n)
            for i in start..<count { items.append((base + i).move()) }
            count = start
            return items
        }

        /// Frees the stack and whatever a failed parse left on it.
        mutating func release() {
            base.deinitialize(count: count)
            base.deallocate()
            count = 0
            capacity = 0
        }
    }

    struct Cursor {
        let buf: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var pos = 0
        var members = ItemStack<JSONObject.Member>(capacity: 32)
        var elements = ItemStack<JSONValue>(capacity: 32)
        /// Short ASCII strings are built inline (``InlineString/ascii(_:count:)``).
        let inlineASCII = InlineString.buildsASCII

        init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.buf = buf
            self.maxDepth = maxDepth
        }

        mutating func releaseStacks() {
            members.release()
            elements.release()
        }

        func failure(_ message: String, at offset: Int? = nil) -> Failure {
            let at = min(offset ?? pos, buf.count)
            var line = 1
            var lineStart = 0
            var i = 0
            while i < at {
                if buf[i] == 0x0A { line += 1; lineStart = i + 1 }
                i += 1
            }
            return Failure(message: message, offset: at, line: line, column: at - lineStart + 1)
        }

        @inline(__always) mutating func skipWhitespace() {
            while pos < buf.count {
                let c = buf[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
            }
        }

        mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
            guard pos < buf.count else { throw failure("unexpected end of input, expected a value") }
            switch buf[pos] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default:
                throw failure("unexpected character \(describe(buf[pos])), expected a value")
            }
        }

        func describe(_ c: UInt8) -> String {
            if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
            return "byte 0x" + String(c, radix: 16, uppercase: true)
        }

        mutating func expectLiteral(_ word: StaticString) throws(Failure) {
            let n = word.utf8CodeUnitCount
            guard pos + n <= buf.count else { throw failure("unexpected end of input in literal") }
            let w = word.utf8Start
            for i in 0..<n where buf[pos + i] != w[i] {
                throw failure("invalid literal, expected \(word)")
            }
            pos += n
        }

        mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
            if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
            pos += 1
            let start = members.count
            skipWhitespace()
            if pos < buf.count && buf[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
            while true {
                skipWhitespace()
                guard pos < buf.count else { throw failure("unexpected end of input in object") }
                guard buf[pos] == UInt8(ascii: "\"") else { throw failure("expected a string key, found \(describe(buf[pos]))") }
                let key = try parseString()
                skipWhitespace()
                guard pos < buf.count, buf[pos] == UInt8(ascii: ":") else { throw failure("expected ':' after object key \"\(key)\"") }
                pos += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                members.push(JSONObject.Member(key: key, value: value))
                skipWhitespace()
                guard pos < buf.count else { throw failure("unexpected end of input in object") }
                if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if buf[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject(members: members.pop(from: start))) }
                throw failure("expected ',' or '}' in object, found \(describe(buf[pos]))")
            }
        }

        mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
            if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
            pos += 1
            let start = elements.count
            skipWhitespace()
            if pos < buf.count && buf[pos] == UInt8(ascii: "]") { pos += 1; return .array([]) }
            while true {
                skipWhitespace()
                let value = try parseValue(depth: depth)
                elements.push(value)
                skipWhitespace()
                guard pos < buf.count else { throw failure("unexpected end of input in array") }
                if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if buf[pos] == UInt8(ascii: "]") { pos += 1; return .array(elements.pop(from: start)) }
                throw failure("expected ',' or ']' in array, found \(describe(buf[pos]))")
            }
        }

        mutating func parseString() throws(Failure) -> String {
            let open = pos
            pos += 1
            let start = pos
            // Fast path: no escapes, ASCII or valid UTF-8 copied in one go. Eight bytes at a time
            // are skipped while none is a quote, a backslash, a control character or (until the
            // first one is seen) a non-ASCII byte.
            var ascii = true
            let n = buf.count
            while pos < n {
                if let from = buf.baseAddress {
                    let highs: UInt64 = ascii ? 0x8080_8080_8080_8080 : 0
                    while pos &+ 8 <= n {
                        let w = UnsafeRawPointer(from + pos).loadUnaligned(as: UInt64.self)
                        let found = JSONWriter.escapeMask(w) | (w & highs)
                        if found != 0 {
                            // The lowest flagged byte is exactly the first one to look at.
                            pos &+= found.trailingZeroBitCount &>> 3
                            break
                        }
                        pos &+= 8
                    }
                    if pos == n { break }
                }
                let c = buf[pos]
                if c == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: buf[start..<pos])
                    pos += 1
                    if ascii {
                        if slice.count <= 15 && inlineASCII, let p = slice.baseAddress {
                            return InlineString.ascii(p, count: slice.count)
                        }
                        return String(decoding: slice, as: UTF8.self)
                    }
                    guard let s = String(validating: slice, as: UTF8.self) else {
                        throw failure("invalid UTF-8 in string", at: firstInvalidUTF8(start, pos - 1))
                    }
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw failure("unescaped control character in string") }
                if c >= 0x80 { ascii = false }
                pos += 1
            }
            guard pos < buf.count else { throw failure("unterminated string", at: open) }
            // Slow path with escapes.
            var bytes = [UInt8](UnsafeBufferPointer(rebasing: buf[start..<pos]))
            while pos < buf.count {
                let c = buf[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    guard let s = String(validating: bytes, as: UTF8.self) else {
                        throw failure("invalid UTF-8 in string", at: open)
                    }
                    return s
                }
                if c < 0x20 { throw failure("unescaped control character in string") }
                if c != UInt8(ascii: "\\") { bytes.append(c); pos += 1; continue }
                pos += 1
                guard pos < buf.count else { break }
                let e = buf[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u") else {
                            throw failure("unpaired UTF-16 surrogate in \\u escape")
                        }
                        pos += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw failure("invalid UTF-16 low surrogate in \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        throw failure("unpaired UTF-16 surrogate in \\u escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                    bytes.append(contentsOf: UTF8.encode(u)!)
                default:
                    throw failure("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string", at: pos - 2)
                }
            }
            throw failure("unterminated string", at: open)
        }

        func firstInvalidUTF8(_ from: Int, _ to: Int) -> Int {
            var i = from
            while i < to {
                let c = buf[i]
                let len: Int
                if c < 0x80 { len = 1 } else if c >> 5 == 0x6 { len = 2 } else if c >> 4 == 0xE { len = 3 } else if c >> 3 == 0x1E { len = 4 } else { return i }
                if i + len > to { return i }
                if String(validating: UnsafeBufferPointer(rebasing: buf[i..<(i + len)]), as: UTF8.self) == nil { return i }
                i += len
            }
            return from
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard pos + 4 <= buf.count else { throw failure("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = buf[pos]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw failure("invalid hex digit in \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        mutating func parseNumber() throws(Failure) -> JSONValue {
            let start = pos
            var negative = false
            if buf[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
            guard pos < buf.count, isDigit(buf[pos]) else { throw failure("invalid number: expected a digit") }
            if buf[pos] == UInt8(ascii: "0"), pos + 1 < buf.count, isDigit(buf[pos + 1]) {
                throw failure("invalid number: leading zero")
            }
            var magnitude: UInt64 = 0
            var overflow = false
            while pos < buf.count, isDigit(buf[pos]) {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(buf[pos] - UInt8(ascii: "0")))
                magnitude = m2
                overflow = overflow || o1 || o2
                pos += 1
            }
            var isInteger = true
            if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
                isInteger = false
                pos += 1
                guard pos < buf.count, isDigit(buf[pos]) else { throw failure("invalid number: expected a digit after '.'") }
                while pos < buf.count, isDigit(buf[pos]) { pos += 1 }
            }
            if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
                isInteger = false
                pos += 1
                if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
                guard pos < buf.count, isDigit(buf[pos]) else { throw failure("invalid number: expected a digit in exponent") }
                while pos < buf.count, isDigit(buf[pos]) { pos += 1 }
            }
            if isInteger && !overflow {
                if negative {
                    if magnitude <= UInt64(Int64.max) + 1 { return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)) }
                } else if magnitude <= UInt64(Int64.max) {
                    return .int(Int64(magnitude))
                }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
            // An integer beyond Int64 keeps its digits: as a Double it would lose them (an unsigned
            // 64-bit id, 18446744073709551615, would read back as 1.8446744073709552e+19).
            if isInteger { return .bigInt(text) }
            guard let d = Double(text), d.isFinite else { throw failure("number out of range: \(text)", at: start) }
            return .double(d)
        }

        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    }
}
