/// Reads a ``JSONValue`` held in memory (an element of an array, a member of an object) from its
/// bytes, without copying it.
///
/// Swift copies an enum's payload, retaining its string, array or object storage, whenever code
/// switches over a value it reads through a pointer, and the canonical writer and path walks read
/// every value of a record that way: about a hundred retain/release pairs per mapped record. These
/// readers see the same memory as bytes instead, so walking a record retains nothing.
///
/// The layout read here is that of 64-bit little-endian platforms: a value is 17 bytes, its payload
/// in the first 16 and the case in the 17th (`bool` 0, `int` 1, `double` 2, `string` 3, `array` 4,
/// `object` 5, `bigInt` 6 (laid out as a string), and 7 for `null` with a zero payload); an array is a pointer to its storage, which
/// holds the count at byte 16 and the elements from byte 32; a string of more than 15 bytes whose
/// top flag bits are clear (native or literal, contiguous UTF-8) keeps its count in the low 48 bits of
/// its first word and its bytes 32 bytes past the address in its second. ``known`` checks all of it
/// against values built at run time, once; where anything differs, callers take their plain paths.
/// Pointers handed to these readers must point at live values the caller keeps alive throughout.
import CIntakeSupport

public enum JSONValueLayout {
    public static let boolTag: UInt8 = 0, intTag: UInt8 = 1, doubleTag: UInt8 = 2, stringTag: UInt8 = 3
    public static let arrayTag: UInt8 = 4, objectTag: UInt8 = 5, bigIntTag: UInt8 = 6, nullTag: UInt8 = 7

    /// True when values are laid out as described above (checked once, against built values).
    public static let known: Bool = check()

    @inline(__always) public static func tag(_ p: UnsafeRawPointer) -> UInt8 { p.load(fromByteOffset: 16, as: UInt8.self) }

    /// The elements of the array (or the members of the object) whose payload is at `p`.
    @inline(__always) public static func elements<T>(_ p: UnsafeRawPointer, as: T.Type) -> UnsafeBufferPointer<T> {
        let storage = p.load(as: UnsafeRawPointer.self)
        let count = storage.load(fromByteOffset: 16, as: Int.self)
        return UnsafeBufferPointer(start: (storage + 32).assumingMemoryBound(to: T.self), count: count)
    }

    /// The UTF-8 bytes of a string of more than 15 bytes stored contiguously, read from its words;
    /// nil for any other representation (inline, shared, foreign).
    @inline(__always) static func largeUTF8(_ w: InlineString.Words) -> UnsafeBufferPointer<UInt8>? {
        guard (w.1 >> 60) & 0x7 == 0 else { return nil }
        guard let start = UnsafePointer<UInt8>(bitPattern: UInt(truncatingIfNeeded: w.1 & 0x0FFF_FFFF_FFFF_FFFF) &+ 32) else { return nil }
        return UnsafeBufferPointer(start: start, count: Int(truncatingIfNeeded: w.0 & 0x0000_FFFF_FFFF_FFFF))
    }

    /// Starts loading the storage of the value at `p` when it has some (an array's or an object's
    /// elements, a long string's bytes), without waiting for it. A hint: nothing is read through it.
    @inline(__always) static func prefetchStorage(_ p: UnsafeRawPointer) {
        let t = tag(p)
        if t == arrayTag || t == objectTag {
            let storage = p.load(as: UnsafeRawPointer.self)
            intake_prefetch(storage)
            intake_prefetch(storage + 64)
        } else if t == stringTag {
            let w1 = p.load(fromByteOffset: 8, as: UInt64.self)
            if (w1 >> 60) & 0x7 == 0, let bytes = UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: w1 & 0x0FFF_FFFF_FFFF_FFFF) &+ 32) {
                intake_prefetch(bytes)
            }
        }
    }

    /// ``prefetchStorage(_:)`` of every member's value: called on entering an object, so that the
    /// reads of its nested values overlap instead of each waiting for memory in turn.
    @inline(__always) static func prefetchChildren(_ members: UnsafeBufferPointer<JSONObject.Member>) {
        guard let base = members.baseAddress else { return }
        let values = UnsafeRawPointer(base) + valueOffset
        for i in 0..<members.count { prefetchStorage(values + i &* MemoryLayout<JSONObject.Member>.stride) }
    }

    /// Starts loading a record's nested values two levels down (its members' storage, then theirs),
    /// before a mapping reads it: the reads of one level overlap, so a record far from the cache
    /// costs about two trips to memory instead of one per nested value. A hint; changes nothing.
    public static func prefetch(_ value: borrowing JSONValue) {
        guard known else { return }
        withUnsafePointer(to: value) { p in
            let raw = UnsafeRawPointer(p)
            guard tag(raw) == objectTag else { return }
            let members = elements(raw, as: JSONObject.Member.self)
            prefetchChildren(members)
            guard let base = members.baseAddress else { return }
            let values = UnsafeRawPointer(base) + valueOffset
            for i in 0..<members.count {
                let v = values + i &* MemoryLayout<JSONObject.Member>.stride
                if tag(v) == objectTag { prefetchChildren(elements(v, as: JSONObject.Member.self)) }
            }
        }
    }

    /// One step of a path prepared for ``walk(_:_:)``: a member name or an array index. A struct
    /// with the kind as a flag, so that a walk reads a step's fields in place instead of copying its name.
    public struct PathStep: Sendable {
        /// True for a member name (`key`), false for an array index (`index`, negative from the end).
        public let isKey: Bool
        public let key: JSONObject.LookupKey
        public let index: Int

        public static func key(_ k: JSONObject.LookupKey) -> PathStep { PathStep(isKey: true, key: k, index: 0) }
        public static func index(_ i: Int) -> PathStep { PathStep(isKey: false, key: noKey, index: i) }
        private static let noKey = JSONObject.LookupKey("")
    }

    /// The value `steps` lead to from the value at `p`, stepping down through the values in memory:
    /// nothing is copied or retained on the way. Nil when a step finds no member, no element, or a
    /// value of the wrong kind. Only when ``known``.
    ///
    /// Here rather than in the mapper, which calls it once per path: the member scans inline into
    /// it, where a call from another module could not inline them.
    public static func walk(_ p: UnsafeRawPointer, _ steps: UnsafeBufferPointer<PathStep>) -> UnsafeRawPointer? {
        var p = p
        guard let first = steps.baseAddress else { return p }
        for i in 0..<steps.count {
            let step = first + i
            if step.pointee.isKey {
                guard tag(p) == objectTag else { return nil }
                let members = elements(p, as: JSONObject.Member.self)
                guard let at = JSONObject.lastIndex(of: step.pointer(to: \.key)!, in: members) else { return nil }
                p = UnsafeRawPointer(members.baseAddress! + at) + valueOffset
            } else {
                guard tag(p) == arrayTag else { return nil }
                let elements = elements(p, as: JSONValue.self)
                let n = step.pointee.index
                let idx = n < 0 ? elements.count &+ n : n
                guard idx >= 0 && idx < elements.count else { return nil }
                p = UnsafeRawPointer(elements.baseAddress! + idx)
            }
        }
        return p
    }

    /// Where a member's value is stored inside it.
    @inline(__always) public static var valueOffset: Int { MemoryLayout<JSONObject.Member>.offset(of: \JSONObject.Member.value)! }

    /// The layout above, checked against values built at run time.
    static func check() -> Bool {
        guard InlineString.layoutKnown, MemoryLayout<JSONValue>.size == 17, MemoryLayout<JSONObject>.size == 8,
              MemoryLayout<JSONObject.Member>.offset(of: \JSONObject.Member.key) == 0,
              MemoryLayout<JSONObject.Member>.offset(of: \JSONObject.Member.value) == 16 else { return false }
        let long = String(decoding: Array(repeating: UInt8(ascii: "x"), count: 40), as: UTF8.self)
        let literal = "a literal string of more than fifteen bytes"
        let samples: [JSONValue] = [
            .bool(true), .bool(false), .int(-12345), .double(2.5), .string("ab"), .string(long), .string(literal),
            .array([.int(7), .string("x")]), .object(["k": .int(1), "second": .null]), .null, .array([]),
            .bigInt("18446744073709551615"),
        ]
        return samples.withUnsafeBufferPointer { b -> Bool in
            let raw = UnsafeRawPointer(b.baseAddress!)
            func at(_ i: Int) -> UnsafeRawPointer { raw + i * MemoryLayout<JSONValue>.stride }
            guard tag(at(0)) == boolTag, at(0).load(as: UInt8.self) == 1, tag(at(1)) == boolTag, at(1).load(as: UInt8.self) == 0,
                  tag(at(2)) == intTag, at(2).load(as: Int64.self) == -12345,
                  tag(at(3)) == doubleTag, at(3).load(as: Double.self) == 2.5,
                  tag(at(4)) == stringTag, InlineString.isInline(InlineString.words(at: at(4))),
                  tag(at(5)) == stringTag, tag(at(6)) == stringTag,
                  tag(at(7)) == arrayTag, tag(at(8)) == objectTag,
                  tag(at(9)) == nullTag, at(9).load(as: UInt64.self) == 0, at(9).load(fromByteOffset: 8, as: UInt64.self) == 0,
                  tag(at(10)) == arrayTag, elements(at(10), as: JSONValue.self).isEmpty,
                  tag(at(11)) == bigIntTag else { return false }
            for (i, text) in [(5, long), (6, literal)] {
                guard let u = largeUTF8(InlineString.words(at: at(i))), Array(u) == Array(text.utf8) else { return false }
            }
            let array = elements(at(7), as: JSONValue.self)
            guard array.count == 2, array[0] == .int(7), array[1] == .string("x") else { return false }
            let members = elements(at(8), as: JSONObject.Member.self)
            guard members.count == 2, members[0].key == "k", members[1].key == "second", members[1].value == .null,
                  tag(UnsafeRawPointer(members.baseAddress!) + valueOffset) == intTag else { return false }
            return true
        }
    }
}
