/// Where a fixed set of member names sits in an object, found in one pass over its members: a
/// compiled mapping's paths start with a handful of the record's top-level names (`rule.id`,
/// `src.ip`, `src.port`, …), and scanning the record's members once per path cost more than all
/// the rest of a path's walk.
///
/// Names of at most 15 UTF-8 bytes only (the inline ones, see ``InlineString``); each gets a slot,
/// numbered in the order given. ``positions(in:into:)`` writes, for each slot, the position of the
/// *last* member with that name (as ``JSONObject/lastIndex(ofKey:)`` finds it), or -1.
public struct MemberIndex: Sendable {
    /// The names' words, by slot.
    private let names: [InlineString.Words]
    /// Open addressing over a power-of-two table: a slot number, or -1 for an empty entry.
    private let table: [Int32]

    /// The number of slots.
    public var count: Int { names.count }

    /// True when `name` can have a slot: at most 15 UTF-8 bytes, on a platform with inline strings.
    public static func accepts(_ name: String) -> Bool {
        InlineString.layoutKnown && JSONValueLayout.known && name.utf8.count <= 15
    }

    /// An index of `names` (each one ``accepts(_:)``; no repeats), slot `i` for `names[i]`.
    public init(names: [String]) {
        let words = names.map { MemberIndex.words(ofBytes: Array($0.utf8)) }
        var size = 8
        while size < names.count * 2 { size *= 2 }
        var table = [Int32](repeating: -1, count: size)
        for (slot, w) in words.enumerated() {
            var at = MemberIndex.hash(w) & (size - 1)
            while table[at] >= 0 { at = (at + 1) & (size - 1) }
            table[at] = Int32(slot)
        }
        self.names = words
        self.table = table
    }

    /// The words an inline string of these bytes has, without its flags: the bytes, zero-padded,
    /// and the count in the low nibble of the last byte (compared by ``InlineString/sameText(_:_:)``).
    static func words(ofBytes bytes: some Collection<UInt8>) -> InlineString.Words {
        var w: InlineString.Words = (0, 0)
        withUnsafeMutableBytes(of: &w) { raw in
            for (i, b) in bytes.prefix(15).enumerated() { raw[i] = b }
        }
        w.1 |= UInt64(bytes.count & 0xF) << 56
        return w
    }

    @inline(__always) static func hash(_ w: InlineString.Words) -> Int {
        let h = (w.0 ^ ((w.1 & 0x0FFF_FFFF_FFFF_FFFF) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h >> 32)
    }

    /// The slot of a name given by its words (flags ignored), or -1.
    @inline(__always) func slot(of w: InlineString.Words) -> Int32 {
        table.withUnsafeBufferPointer { t in
            names.withUnsafeBufferPointer { n in
                let mask = t.count - 1
                var at = MemberIndex.hash((w.0, w.1 & 0x0FFF_FFFF_FFFF_FFFF)) & mask
                while true {
                    let s = t[at]
                    if s < 0 { return -1 }
                    if InlineString.sameText(n[Int(s)], w) { return s }
                    at = (at + 1) & mask
                }
            }
        }
    }

    /// Fills `positions` (``count`` entries) with where each slot's name is last found among the
    /// members of the object stored at `value`, -1 where it is not; returns the members' address,
    /// nil (and every position -1) when the value is not an object. Only when `JSONValueLayout.known`.
    public func positions(in value: UnsafeRawPointer, into positions: UnsafeMutablePointer<Int32>) -> UnsafePointer<JSONObject.Member>? {
        positions.initialize(repeating: -1, count: names.count)
        guard JSONValueLayout.tag(value) == JSONValueLayout.objectTag else { return nil }
        let members = JSONValueLayout.elements(value, as: JSONObject.Member.self)
        guard let base = members.baseAddress else { return nil }
        let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
        for i in 0..<members.count {
            var w = InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride)
            if !InlineString.isInline(w) {
                // A name stored out of line can still be short: compare it by its bytes.
                guard let bytes = JSONWriter.withUTF8(members[i].key, { $0.count <= 15 ? MemberIndex.words(ofBytes: $0) : nil }) else { continue }
                w = bytes
            }
            let s = slot(of: w)
            if s >= 0 { positions[Int(s)] = Int32(truncatingIfNeeded: i) }
        }
        return base
    }

    /// The member names of the object a batch indexed last, when all of them are stored inline:
    /// the records of a feed mostly repeat the same names in the same order, and a record whose
    /// names are those keeps the positions already found. Names stored out of line are never
    /// compared this way (their words hold an address, which freed storage could hand to other text).
    public struct Shape: ~Copyable {
        /// Room for `capacity` names; nil for none (one record mapped alone remembers nothing).
        fileprivate let words: UnsafeMutablePointer<InlineString.Words>?
        fileprivate let capacity: Int
        /// How many names `words` holds, or -1 when it holds none to compare with.
        fileprivate var count = -1

        public init(capacity: Int = 64) {
            self.capacity = capacity
            words = capacity > 0 ? .allocate(capacity: capacity) : nil
        }

        deinit { words?.deallocate() }

        /// True when `members`' names are the ones kept, in the same order.
        @inline(__always) func matches(_ members: UnsafeBufferPointer<JSONObject.Member>) -> Bool {
            let n = members.count
            guard n == count, let stored = words, let base = members.baseAddress else { return false }
            let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
            for i in 0..<n {
                let w = InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride), s = stored[i]
                if w.0 != s.0 || w.1 != s.1 { return false }
            }
            return true
        }

        /// Keeps `members`' names for the next object, when there is room and all are stored inline;
        /// otherwise keeps none.
        mutating func keep(_ members: UnsafeBufferPointer<JSONObject.Member>) {
            count = -1
            let n = members.count
            guard n <= capacity, let stored = words, let base = members.baseAddress else { return }
            let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
            for i in 0..<n {
                let w = InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride)
                guard InlineString.isInline(w) else { return }
                stored[i] = w
            }
            count = n
        }

        /// Keeps no names: the next object is looked up whatever its names.
        @inline(__always) mutating func forget() { count = -1 }
    }

    /// ``positions(in:into:)`` for one object of a batch: when the object's names are the ones
    /// `shape` holds, in the same order, `positions` is left as the previous call filled it (the
    /// same buffer, untouched in between); otherwise the names are looked up and `shape` remembers them.
    public func positions(in value: UnsafeRawPointer, into positions: UnsafeMutablePointer<Int32>,
                          shape: inout Shape) -> UnsafePointer<JSONObject.Member>? {
        guard JSONValueLayout.tag(value) == JSONValueLayout.objectTag,
              case let members = JSONValueLayout.elements(value, as: JSONObject.Member.self), let base = members.baseAddress else {
            shape.forget()
            return self.positions(in: value, into: positions)
        }
        if shape.matches(members) { return base }
        let found = self.positions(in: value, into: positions)
        shape.keep(members)
        return found
    }
}

/// Where a fixed set of names sits one level down: in the objects below some of a record's
/// top-level names (`src` for the paths `src.ip` and `src.port`), each with a ``MemberIndex`` of the
/// names wanted there. ``fill(_:rootMembers:rootPositions:)`` finds them for one record after its
/// top-level names were found; an object whose names are the ones the previous record's object
/// had, in the same order, keeps its positions (names stored inline only, as ``MemberIndex/Shape``).
public struct NestedMemberIndex: Sendable {
    /// Per group: the top-level name's slot in the record's ``MemberIndex``, and the index of the
    /// names below it.
    private let rootSlots: [Int32]
    private let indexes: [MemberIndex]
    /// Positions per group (``stride`` of them: a group indexes at most that many names), and the
    /// most groups: the paths past them walk the general way.
    public static let stride = 16
    public static let maxGroups = 32
    /// The most names of an object remembered to compare with the next record's.
    static let remembered = 32

    public var groups: Int { rootSlots.count }

    public init(groups: [(rootSlot: Int32, names: MemberIndex)]) {
        precondition(groups.count <= Self.maxGroups && groups.allSatisfy { $0.names.count <= Self.stride },
                     "at most \(Self.maxGroups) nested groups of at most \(Self.stride) names")
        rootSlots = groups.map(\.rootSlot)
        indexes = groups.map(\.names)
    }

    /// What one record's look-up found, and the names kept for the next record's (one per batch).
    public struct State: ~Copyable {
        /// Per group, the members of the object below its top-level name, nil where there is none.
        public let members: UnsafeMutablePointer<UnsafePointer<JSONObject.Member>?>
        /// Per group, ``stride`` positions: where its names are among `members` (-1: absent).
        public let positions: UnsafeMutablePointer<Int32>
        /// Per group, the names of the object last looked up.
        fileprivate let shapes: UnsafeMutablePointer<MemberIndex.Shape>
        private let groups: Int

        /// `remember`: names are kept for the next record (false for one record mapped alone).
        public init(_ index: NestedMemberIndex, remember: Bool) {
            groups = index.groups
            let g = max(groups, 1)
            members = .allocate(capacity: g)
            members.initialize(repeating: nil, count: g)
            positions = .allocate(capacity: g * NestedMemberIndex.stride)
            shapes = .allocate(capacity: g)
            for i in 0..<groups { (shapes + i).initialize(to: MemberIndex.Shape(capacity: remember ? NestedMemberIndex.remembered : 0)) }
        }

        deinit {
            members.deallocate()
            positions.deallocate()
            shapes.deinitialize(count: groups)
            shapes.deallocate()
        }
    }

    /// Fills `state` for a record whose top-level members are `rootMembers` (nil when the record is
    /// not an object) and whose top-level names are at `rootPositions`. Only when `JSONValueLayout.known`.
    public func fill(_ state: inout State, rootMembers: UnsafePointer<JSONObject.Member>?, rootPositions: UnsafePointer<Int32>) {
        rootSlots.withUnsafeBufferPointer { slots in
            for g in 0..<slots.count {
                let at = rootPositions[Int(slots[g])]
                guard at >= 0, let rootMembers,
                      case let value = UnsafeRawPointer(rootMembers + Int(at)) + JSONValueLayout.valueOffset,
                      JSONValueLayout.tag(value) == JSONValueLayout.objectTag else {
                    state.members[g] = nil
                    state.shapes[g].forget()
                    continue
                }
                let ms = JSONValueLayout.elements(value, as: JSONObject.Member.self)
                state.members[g] = ms.baseAddress
                if state.shapes[g].matches(ms) { continue }
                lookUp(g, value, &state, ms)
            }
        }
    }

    /// Group `g`'s names looked up in an object of another shape than the last one's.
    @inline(never) private func lookUp(_ g: Int, _ value: UnsafeRawPointer, _ state: inout State,
                                       _ ms: UnsafeBufferPointer<JSONObject.Member>) {
        _ = indexes[g].positions(in: value, into: state.positions + g &* Self.stride)
        state.shapes[g].keep(ms)
    }
}
