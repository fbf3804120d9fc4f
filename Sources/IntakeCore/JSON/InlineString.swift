/// Fast paths over the inline ("small") form of a `String`, for the member names of records.
///
/// On 64-bit platforms a `String` is two words, and text of at most 15 UTF-8 bytes is kept in
/// those words themselves: the bytes in order (little-endian), zero-padded, with the count in
/// the low nibble of the last byte and the "small" flag in bit 61 of the second word. Nearly
/// every JSON member name is that short, so looking one up or ordering it can compare words
/// instead of calling into the string's storage.
///
/// The layout is part of Swift's stable ABI on those platforms (``layoutKnown``); every caller
/// keeps a general path for other platforms and for strings that are not inline.
enum InlineString {
    typealias Words = (UInt64, UInt64)

    /// True where strings have the inline layout described above: 64-bit little-endian platforms.
    /// (`InlineStringTests` checks the layout against strings built at run time.)
    @inline(__always) static var layoutKnown: Bool {
        #if _pointerBitWidth(_64) && _endian(little)
        return MemoryLayout<String>.size == 16
        #else
        return false
        #endif
    }

    /// The two words of `s` as they are (no retain; nothing is dereferenced).
    @inline(__always) static func words(_ s: String) -> Words {
        unsafeBitCast(s, to: Words.self)
    }

    /// The two words of the string stored at `p`, read without copying the string.
    @inline(__always) static func words(at p: UnsafeRawPointer) -> Words {
        (p.load(as: UInt64.self), p.load(fromByteOffset: 8, as: UInt64.self))
    }

    /// True when the words hold their text inline.
    @inline(__always) static func isInline(_ w: Words) -> Bool { w.1 & (1 << 61) != 0 }

    /// The UTF-8 count of an inline string.
    @inline(__always) static func count(_ w: Words) -> Int { Int(truncatingIfNeeded: (w.1 >> 56) & 0xF) }

    /// True when two inline strings have the same UTF-8 bytes: same count, same bytes (the
    /// unused bytes are zero in both). The flag bits are not compared.
    @inline(__always) static func sameText(_ a: Words, _ b: Words) -> Bool {
        a.0 == b.0 && (a.1 ^ b.1) & 0x0FFF_FFFF_FFFF_FFFF == 0
    }

    /// True where ``ascii(_:count:)`` builds strings identical to the standard library's: checked
    /// once, for every length, against `String(decoding:as:)`.
    static let buildsASCII: Bool = {
        guard layoutKnown else { return false }
        let sample = Array("abcdefghijklmnop".utf8)
        return sample.withUnsafeBufferPointer { b in
            (0...15).allSatisfy { n in
                let built = ascii(b.baseAddress!, count: n)
                let standard = String(decoding: UnsafeBufferPointer(rebasing: b[0..<n]), as: UTF8.self)
                return built == standard && words(built) == words(standard) && built.utf8.count == n
            }
        }
    }()

    /// An ASCII string of at most 15 bytes, built inline from its bytes: no allocation, no call into
    /// the standard library (the parser's keys and short values). Only where ``buildsASCII``, and only
    /// for bytes all below 0x80.
    @inline(__always) static func ascii(_ p: UnsafePointer<UInt8>, count n: Int) -> String {
        var w: Words = (0, 0)
        withUnsafeMutableBytes(of: &w) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
        // The flags of a small ASCII string (immortal, ASCII, small) and the count, in the top byte.
        w.1 |= UInt64(0xE0 | n) << 56
        return unsafeBitCast(w, to: String.self)
    }

    /// The first eight UTF-8 bytes of an inline string as a big-endian integer, zero-padded.
    @inline(__always) static func prefix(_ w: Words) -> UInt64 { w.0.byteSwapped }
}
