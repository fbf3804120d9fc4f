#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIntakeSupport

/// JSON strings: inline strings from their two words, longer ones 16 and 8 bytes at a time, and
/// the escapes JSON needs.
extension JSONWriter {
    @inline(__always) mutating func emitString(at p: UnsafeRawPointer) {
        if InlineString.layoutKnown {
            let w = InlineString.words(at: p)
            if InlineString.isInline(w) {
                if emitInline(w) { return }
            } else if JSONValueLayout.known, let u = JSONValueLayout.largeUTF8(w) {
                return emitString(utf8: u)
            }
        }
        emitString(p.assumingMemoryBound(to: String.self).pointee)
    }

    @inline(__always) mutating func emitString(_ s: String) {
        if InlineString.layoutKnown {
            let w = InlineString.words(s)
            if InlineString.isInline(w) && emitInline(w) { return }
        }
        if s.utf8.withContiguousStorageIfAvailable({ emitString(utf8: $0) }) == nil {
            var copy = s
            copy.withUTF8 { emitString(utf8: $0) }
        }
    }

    /// An inline string (see ``InlineString``) as a JSON string, written from its two words when
    /// none of its bytes needs an escape; false (nothing written) when one does.
    @inline(__always) mutating func emitInline(_ w: InlineString.Words) -> Bool {
        let n = InlineString.count(w)
        // Only the string's own bytes are tested: the zero padding after them would read as
        // control characters. A false alarm can only sit above a true one, so the test is exact.
        let bits = UInt64(n) &* 8
        let low: UInt64 = n >= 8 ? ~0 : (1 &<< bits) &- 1
        let high: UInt64 = n <= 8 ? 0 : (1 &<< (bits &- 64)) &- 1
        if JSONWriter.escapeMask(w.0) & low != 0 || JSONWriter.escapeMask(w.1) & high != 0 { return false }
        reserve(18)
        let out = UnsafeMutableRawPointer(base + count)
        out.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        out.storeBytes(of: w.0, toByteOffset: 1, as: UInt64.self)
        out.storeBytes(of: w.1, toByteOffset: 9, as: UInt64.self)
        out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: 1 &+ n, as: UInt8.self)
        count &+= n &+ 2
        return true
    }

    /// A JSON string from UTF-8 bytes. Eight bytes at a time are tested for a control character, a
    /// quote or a backslash and copied as one word when they have none; the rest go byte by byte.
    mutating func emitString(utf8 u: UnsafeBufferPointer<UInt8>) {
        let n = u.count
        reserve(n &+ 2)
        var out = base + count
        out.pointee = UInt8(ascii: "\"")
        out += 1
        if let from = u.baseAddress {
            var i = 0
            // Sixteen bytes at a time while none needs an escape, then eight, then one.
            var clean = true
            while i &+ 16 <= n {
                if intake_needs_escape16(from + i) != 0 { clean = false; break }
                let v = UnsafeRawPointer(from + i).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(out).storeBytes(of: v, as: SIMD16<UInt8>.self)
                out += 16
                i &+= 16
            }
            // The last bytes of a string of 16 or more as one block, overlapping bytes already
            // written (with the same bytes): no byte-by-byte tail when none needs an escape.
            if clean && i < n && n >= 16 {
                let start = n &- 16
                if intake_needs_escape16(from + start) == 0 {
                    let v = UnsafeRawPointer(from + start).loadUnaligned(as: SIMD16<UInt8>.self)
                    UnsafeMutableRawPointer(out - (i &- start)).storeBytes(of: v, as: SIMD16<UInt8>.self)
                    out += n &- i
                    i = n
                }
            }
            while i &+ 8 <= n {
                let w = UnsafeRawPointer(from + i).loadUnaligned(as: UInt64.self)
                if JSONWriter.needsEscape(w) { break }
                UnsafeMutableRawPointer(out).storeBytes(of: w, as: UInt64.self)
                out += 8
                i &+= 8
            }
            while i < n {
                let c = from[i]
                if c < 0x20 || c == 0x22 || c == 0x5C {
                    count = out - base
                    emitEscape(c)
                    reserve(n &- i &+ 1)
                    out = base + count
                } else {
                    out.pointee = c
                    out += 1
                }
                i &+= 1
            }
        }
        out.pointee = UInt8(ascii: "\"")
        count = out + 1 - base
    }

    /// The shortest escape of a byte JSON strings cannot hold as it is.
    @inline(never) mutating func emitEscape(_ c: UInt8) {
        switch c {
        case 0x22: put("\\\"")
        case 0x5C: put("\\\\")
        case 0x0A: put("\\n")
        case 0x0D: put("\\r")
        case 0x09: put("\\t")
        case 0x08: put("\\b")
        case 0x0C: put("\\f")
        default:
            let hex: StaticString = "0123456789abcdef"
            put("\\u00")
            put(hex.utf8Start[Int(c >> 4)])
            put(hex.utf8Start[Int(c & 0xF)])
        }
    }

    /// True when one of the eight bytes of `w` is a control character, a quote or a backslash
    /// (exact tests, no false positives).
    @inline(__always) static func needsEscape(_ w: UInt64) -> Bool { escapeMask(w) != 0 }

    /// The high bit of each byte of `w` (read little-endian) that may need an escape. The lowest
    /// set bit is exact: it marks the first such byte; bits above it can be false alarms (a borrow
    /// carries into the next byte).
    @inline(__always) static func escapeMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- ones &* 0x20) & ~w & highs
        let q = w ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = w ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return control | quote | backslash
    }
}
