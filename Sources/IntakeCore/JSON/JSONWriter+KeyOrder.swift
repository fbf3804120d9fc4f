#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Canonical key order: sorting an object's members by their names' UTF-8 bytes.
extension JSONWriter {
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
                return compareKeys(ms.baseAddress! + p, ms.baseAddress! + q)
            }
            var ordered = true
            let inline = InlineString.layoutKnown
            let keys = UnsafeRawPointer(ms.baseAddress!) + JSONObject.keyOffset
            for i in 0..<count {
                let w = InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride)
                prefixes[i] = inline && InlineString.isInline(w) ? InlineString.prefix(w) : keyPrefix(at: ms.baseAddress! + i)
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
        withUTF8(s) { u in
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

    /// ``keyPrefix(_:)`` of a member's name, read in place.
    @inline(never) static func keyPrefix(at m: UnsafePointer<JSONObject.Member>) -> UInt64 { keyPrefix(m.pointee.key) }

    /// ``compareUTF8(_:_:)`` of two members' names whose first eight bytes are equal, read in place.
    @inline(never) static func compareKeys(_ a: UnsafePointer<JSONObject.Member>, _ b: UnsafePointer<JSONObject.Member>) -> Int {
        let wa = InlineString.words(at: UnsafeRawPointer(a) + JSONObject.keyOffset)
        let wb = InlineString.words(at: UnsafeRawPointer(b) + JSONObject.keyOffset)
        if InlineString.layoutKnown && InlineString.isInline(wa) && InlineString.isInline(wb) {
            // Bytes 8 to 14 in order (zero-padded), then the shorter name first.
            let ra = (wa.1 & 0x00FF_FFFF_FFFF_FFFF).byteSwapped, rb = (wb.1 & 0x00FF_FFFF_FFFF_FFFF).byteSwapped
            if ra != rb { return ra < rb ? -1 : 1 }
            let ca = InlineString.count(wa), cb = InlineString.count(wb)
            return ca == cb ? 0 : (ca < cb ? -1 : 1)
        }
        return compareUTF8(a.pointee.key, b.pointee.key)
    }

    /// True when `a` sorts strictly before `b` by UTF-8 bytes.
    @inline(__always) static func utf8Less(_ a: String, _ b: String) -> Bool {
        compareUTF8(a, b) < 0
    }

    /// -1, 0 or 1 as `a` sorts before, equal to or after `b` by UTF-8 bytes.
    @inline(__always) static func compareUTF8(_ a: String, _ b: String) -> Int {
        withUTF8(a) { ua in
            withUTF8(b) { ub in
                let n = min(ua.count, ub.count)
                if n > 0 {
                    let c = memcmp(ua.baseAddress!, ub.baseAddress!, n)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                return ua.count == ub.count ? 0 : (ua.count < ub.count ? -1 : 1)
            }
        }
    }

    /// Calls `body` with the UTF-8 bytes of `s`, without copying a native string's storage.
    @inline(__always) static func withUTF8<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = s
        return copy.withUTF8(body)
    }
}
