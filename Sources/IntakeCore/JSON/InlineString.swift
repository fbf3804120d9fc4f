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

    /// The first eight UTF-8 bytes of an inline string as a big-endian integer, zero-padded.
    @inline(__always) static func prefix(_ w: Words) -> UInt64 { w.0.byteSwapped }
}
