/// RFC 4180 CSV over bytes: comma-separated fields, `"` quoting with `""` for a quote, CRLF or LF
/// record ends, line breaks allowed inside quoted fields.
enum CSVReader {
    struct Record {
        var fields: [String]
        /// Byte offset just past the record's line end.
        var end: Int
        /// The 1-based line the record starts on.
        var line: Int
        /// The line the next record starts on.
        var nextLine: Int
    }

    struct Failure: Error {
        var message: String
        var line: Int
    }

    /// The complete records of `bytes[start...]`. A last record without a line end is included only when
    /// `includeUnterminated` is set (a file being appended to may still be writing it).
    static func records(_ bytes: [UInt8], from start: Int, firstLine: Int, includeUnterminated: Bool) throws(Failure) -> [Record] {
        var out: [Record] = []
        var i = start
        var line = firstLine
        let n = bytes.count
        while i < n {
            let recordLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var terminated = false
            var fieldStart = true
            while i < n {
                let c = bytes[i]
                if quoted {
                    if c == 0x22 {
                        if i + 1 < n && bytes[i + 1] == 0x22 {
                            field.append(0x22)
                            i += 2
                            continue
                        }
                        quoted = false
                        i += 1
                        continue
                    }
                    if c == 0x0A { line += 1 }
                    field.append(c)
                    i += 1
                    continue
                }
                if c == 0x22 && fieldStart {
                    quoted = true
                    fieldStart = false
                    i += 1
                } else if c == 0x2C {
                    fields.append(try text(field, line: recordLine))
                    field = []
                    fieldStart = true
                    i += 1
                } else if c == 0x0A || (c == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A) {
                    i += c == 0x0D ? 2 : 1
                    line += 1
                    terminated = true
                    break
                } else if c == 0x22 {
                    throw Failure(message: "a quote inside an unquoted field (quote the whole field and double the quote)", line: line)
                } else {
                    field.append(c)
                    fieldStart = false
                    i += 1
                }
            }
            if !terminated && !includeUnterminated { break }
            if quoted { throw Failure(message: "a quoted field is not closed", line: recordLine) }
            fields.append(try text(field, line: recordLine))
            if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
            out.append(Record(fields: fields, end: i, line: recordLine, nextLine: line))
        }
        return out
    }

    private static func text(_ bytes: [UInt8], line: Int) throws(Failure) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw Failure(message: "invalid UTF-8", line: line) }
        return s
    }
}
