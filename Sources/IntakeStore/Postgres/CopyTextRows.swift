import IntakeCore
import NIOCore

/// Rows in PostgreSQL's `COPY … FROM STDIN` text format, built field by field.
///
/// Fields are separated by a tab and rows end with a newline; NULL is `\N`; in a value a backslash,
/// tab, newline or carriage return is written as `\\`, `\t`, `\n` or `\r`, so nothing a record holds
/// can end a field or a row early. JSON columns take the compact JSON text, escaped the same way;
/// the server checks it as it does for any `json` input.
struct CopyTextRows {
    private(set) var bytes: [UInt8]
    /// Rows ended so far.
    private(set) var count = 0
    private var atRowStart = true
    /// Scratch space for JSON values, reused from field to field.
    private var scratch = JSONWriter()

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The rows as one buffer for ``PostgresSession/copy(into:columns:rows:logger:file:line:)``.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
        count += 1
    }

    mutating func text(_ value: String?) {
        separate()
        guard var value else { return appendNull() }
        value.withUTF8 { appendEscaped($0) }
    }

    mutating func int(_ value: Int64?) {
        separate()
        guard let value else { return appendNull() }
        scratch.reset()
        scratch.writeInt(value)
        scratch.withBytes { bytes.append(contentsOf: $0) }
    }

    /// A JSON value as compact JSON text.
    mutating func json(_ value: JSONValue) {
        separate()
        scratch.reset()
        scratch.write(value)
        scratch.withBytes { appendEscaped($0) }
    }

    /// JSON text written earlier (by the mapping stage), put in as it is apart from COPY's escapes.
    mutating func json(encoded: String) {
        text(encoded)
    }

    /// A `timestamptz` in UTC, to the microsecond: `2024-05-01 00:00:03.123000+00`. Years past 9999
    /// take more digits, and years before 1 are written as PostgreSQL reads them (`0001-… BC` is year 0).
    mutating func timestamp(_ value: Timestamp?) {
        separate()
        guard let value else { return appendNull() }
        let c = value.civil
        digits(c.year >= 1 ? c.year : 1 - c.year, width: 4)
        let rest: [(separator: UInt8, value: Int64, width: Int)] = [
            (0x2D, c.month, 2), (0x2D, c.day, 2), (0x20, c.hour, 2), (0x3A, c.minute, 2), (0x3A, c.second, 2), (0x2E, c.micro, 6),
        ]
        for field in rest {
            bytes.append(field.separator)
            digits(field.value, width: field.width)
        }
        bytes.append(contentsOf: c.year >= 1 ? "+00".utf8 : "+00 BC".utf8)
    }

    /// A non-negative number in decimal, padded with zeros to at least `width` digits.
    private mutating func digits(_ value: Int64, width: Int) {
        var count = 1, rest = value / 10
        while rest > 0 { count += 1; rest /= 10 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0x30, count: max(count, width)))
        var v = value, i = bytes.count - 1
        while i >= start, v > 0 {
            bytes[i] = 0x30 + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }

    private mutating func separate() {
        if atRowStart { atRowStart = false } else { bytes.append(0x09) }
    }

    private mutating func appendNull() {
        bytes.append(0x5C)
        bytes.append(0x4E)
    }

    /// Rows built elsewhere, appended as they are.
    mutating func append(raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Copies `u`, escaping the four bytes that COPY's text format reads specially; runs between
    /// them are copied whole. Eight bytes are checked at a time, and only words that may hold one of
    /// the four (or another byte below 0x0E) are looked at byte by byte.
    private mutating func appendEscaped(_ u: UnsafeBufferPointer<UInt8>) {
        guard let base = u.baseAddress else { return }
        let n = u.count
        var start = 0, i = 0
        while i < n {
            if i &+ 8 <= n, !CopyTextRows.mayNeedEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                i &+= 8
                continue
            }
            let end = Swift.min(i &+ 8, n)
            while i < end {
                let escaped: UInt8
                switch base[i] {
                case 0x5C: escaped = 0x5C  // backslash
                case 0x09: escaped = 0x74  // tab: \t
                case 0x0A: escaped = 0x6E  // newline: \n
                case 0x0D: escaped = 0x72  // carriage return: \r
                default:
                    i &+= 1
                    continue
                }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start)) }
                bytes.append(0x5C)
                bytes.append(escaped)
                i &+= 1
                start = i
            }
        }
        if start < n { bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: n - start)) }
    }

    /// Whether any byte of `w` is below 0x0E or is a backslash (exact, with no false negatives).
    @inline(__always)
    static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let below = (w &- ones &* 0x0E) & ~w & highs
        let x = w ^ (ones &* 0x5C)
        let backslash = (x &- ones) & ~x & highs
        return (below | backslash) != 0
    }
}

/// The rows of one COPY, built on demand a chunk at a time (``PostgresSession/copy(into:columns:rows:logger:file:line:)``).
struct CopyRowSource: Sendable {
    /// Rows in all.
    let count: Int
    /// Rows per chunk: enough to keep the connection busy, few enough that the server starts early.
    var rowsPerChunk = 128
    /// Room reserved per row.
    let bytesPerRow: Int
    /// Appends rows `range` to the buffer.
    let append: @Sendable (Range<Int>, inout CopyTextRows) -> Void

    init(count: Int, bytesPerRow: Int, append: @escaping @Sendable (Range<Int>, inout CopyTextRows) -> Void) {
        self.count = count
        self.bytesPerRow = bytesPerRow
        self.append = append
    }

    /// Rows built already, sent as one chunk.
    init(_ rows: CopyTextRows) {
        let buffer = rows.bytes
        self.init(count: rows.count, bytesPerRow: 0) { _, out in out.append(raw: buffer) }
        rowsPerChunk = max(rows.count, 1)
    }

    /// The row ranges of the chunks, in order.
    var chunks: [Range<Int>] {
        stride(from: 0, to: count, by: rowsPerChunk).map { $0..<min($0 + rowsPerChunk, count) }
    }

    /// The COPY data of rows `range`.
    func build(_ range: Range<Int>) -> ByteBuffer {
        var rows = CopyTextRows(capacity: range.count * bytesPerRow)
        append(range, &rows)
        return rows.buffer
    }
}
