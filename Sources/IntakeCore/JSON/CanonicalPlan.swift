/// A record's shape compiled into the steps that write it in canonical form.
///
/// The records of one feed come in a few shapes: the same member names, in the same document order,
/// with the same objects nested in the same places. In canonical JSON such a record is fixed text
/// (braces, names, commas) between its values, and that text, like the order the members are
/// written in, depends on the shape alone. A plan keeps it: for each member in canonical order, the
/// text before its value, where the member is among its object's members, and the name that must be
/// found there. Writing a record by its plan checks each name and each nested object's member count
/// as it goes, and writes the fixed text in one copy per member, with no sorting, no look-up of key
/// orders and no call per object. A record that is not of the plan's shape is found out before its
/// plan finishes; the writer then takes back what it wrote and writes the record the general way.
///
/// What a plan covers: objects without repeated names (whose canonical form keeps every member), with
/// names of at most 15 bytes (held in the name's own words, see ``InlineString``), nested at most
/// ``maxDepth`` deep. Anything else (a list, an object with a long or a repeated name) is a value
/// written the general way, whatever it holds. A plan made with stable names (`stableNames`) also
/// covers longer names, matched by their storage, as a compiled mapping reuses the same name strings
/// for every record's `cef`: the plan keeps those strings alive, so storage it compares against is
/// never freed and reused for other text (see ``KeyOrderCache``).
final class CanonicalPlan {
    /// One step: the text before it (a ``JSONWriter/TextBlocks`` block: at most 31 bytes, the length
    /// in the last), then, except for ``close`` and ``textOnly`` steps, the member at `position` of
    /// the current object, which must be named `key`: its value written (``value``), or, when
    /// `count` is zero or more, an object of `count` members entered.
    struct Op {
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var key: InlineString.Words = (0, 0)
        /// The bits of the name's second word compared: its text, its count and the inline flag for a
        /// name stored inline; all of them (the same storage) for a longer name.
        var mask: UInt64 = 0
        var position: Int32 = 0
        var count: Int32 = Op.textOnly

        /// `count` of a member whose value is written as it is.
        static let value: Int32 = -1
        /// `count` of the step back out of a nested object.
        static let close: Int32 = -2
        /// `count` of a step that only writes its text.
        static let textOnly: Int32 = -3
    }

    /// Objects nested deeper than this are written the general way.
    static let maxDepth = 16
    /// Objects with more members than this are written the general way.
    static let maxMembers = 256

    let ops: UnsafeMutableBufferPointer<Op>
    /// The member count of the record itself.
    let rootCount: Int
    /// Where a write keeps the objects it is inside of (``maxDepth`` of them).
    let stack: UnsafeMutablePointer<UnsafePointer<JSONObject.Member>>
    /// Names not stored inline, kept alive while `ops` compare against their storage.
    private let retained: [String]

    private init(ops: [Op], rootCount: Int, retained: [String]) {
        let buffer = UnsafeMutableBufferPointer<Op>.allocate(capacity: ops.count)
        _ = buffer.initialize(from: ops)
        self.ops = buffer
        self.rootCount = rootCount
        self.retained = retained
        stack = .allocate(capacity: Self.maxDepth)
    }

    deinit {
        ops.deallocate()
        stack.deallocate()
    }

    /// The plan of the object whose members are `members`, or nil when the object itself is not one a
    /// plan covers. Only where ``JSONValueLayout/known``.
    static func compile(_ members: UnsafeBufferPointer<JSONObject.Member>, stableNames: Bool) -> CanonicalPlan? {
        guard JSONValueLayout.known else { return nil }
        var builder = Builder(stableNames: stableNames)
        guard let order = builder.order(members) else { return nil }
        builder.object(members, order, depth: 1)
        builder.flush()
        return CanonicalPlan(ops: builder.ops, rootCount: members.count, retained: builder.retained)
    }

    private struct Builder {
        let stableNames: Bool
        var ops: [Op] = []
        var retained: [String] = []
        /// Text written since the last step, for the next one.
        var pending: [UInt8] = []

        init(stableNames: Bool) { self.stableNames = stableNames }

        /// The object's members' positions in canonical order, when a plan covers the object: no
        /// repeated names, every name inline (or any name, with stable names), not too many members.
        func order(_ members: UnsafeBufferPointer<JSONObject.Member>) -> [Int]? {
            guard members.count <= CanonicalPlan.maxMembers else { return nil }
            if !stableNames {
                for m in members where !InlineString.isInline(InlineString.words(m.key)) { return nil }
            }
            let order = withUnsafeTemporaryAllocation(of: Int.self, capacity: max(members.count, 1)) { order in
                Array(order[0..<JSONWriter.sortedPositions(members, into: order)])
            }
            return order.count == members.count ? order : nil
        }

        mutating func object(_ members: UnsafeBufferPointer<JSONObject.Member>, _ sorted: [Int], depth: Int) {
            pending.append(UInt8(ascii: "{"))
            for (j, position) in sorted.enumerated() {
                if j > 0 { pending.append(UInt8(ascii: ",")) }
                var name = JSONWriter(style: .canonical, capacity: 32, inPlace: false)
                name.writeString(members[position].key)
                name.withBytes { pending.append(contentsOf: $0) }
                pending.append(UInt8(ascii: ":"))
                let value = UnsafeRawPointer(members.baseAddress! + position) + JSONValueLayout.valueOffset
                if JSONValueLayout.tag(value) == JSONValueLayout.objectTag, depth < CanonicalPlan.maxDepth {
                    let nested = JSONValueLayout.elements(value, as: JSONObject.Member.self)
                    if let nestedOrder = order(nested) {
                        step(members, position, count: Int32(nested.count))
                        object(nested, nestedOrder, depth: depth + 1)
                        step(members, position, count: Op.close)
                        continue
                    }
                }
                step(members, position, count: Op.value)
            }
            pending.append(UInt8(ascii: "}"))
        }

        /// A step for member `position` of `members` (or a ``Op/close``), after the text pending.
        mutating func step(_ members: UnsafeBufferPointer<JSONObject.Member>, _ position: Int, count: Int32) {
            var op = text()
            op.count = count
            if count != Op.close {
                let key = members[position].key
                let w = InlineString.words(key)
                op.key = w
                op.position = Int32(position)
                if InlineString.isInline(w) {
                    op.mask = 0x2FFF_FFFF_FFFF_FFFF
                } else {
                    op.mask = ~0
                    retained.append(key)
                }
            }
            ops.append(op)
        }

        /// The text pending, as steps that only write it while more than a block holds, the rest in
        /// the step returned.
        mutating func text() -> Op {
            let room = JSONWriter.TextBlocks.size - 1
            while pending.count > room {
                var op = Op()
                fill(&op, pending[0..<room])
                ops.append(op)
                pending.removeFirst(room)
            }
            var op = Op()
            fill(&op, pending[...])
            pending.removeAll(keepingCapacity: true)
            return op
        }

        /// The text left after the last member: the closing braces.
        mutating func flush() {
            if !pending.isEmpty { ops.append(text()) }
        }

        func fill(_ op: inout Op, _ bytes: ArraySlice<UInt8>) {
            withUnsafeMutableBytes(of: &op.text) { block in
                for (i, b) in bytes.enumerated() { block[i] = b }
                block[JSONWriter.TextBlocks.size - 1] = UInt8(bytes.count)
            }
        }
    }
}

/// The plans of the record shapes a canonical writer has seen recently (see ``CanonicalPlan``), in a
/// small table of sets of two, a set chosen, as in ``KeyOrderCache``, by an object's member count and
/// first and last names. An object that fits neither plan of its set is written the general way and
/// its plan replaces the one of the set used least recently. Making a plan costs some credit, which
/// writing by a plan earns back: shapes that never repeat (or names that are never the same strings
/// twice) stop making plans after a few, except now and then, so that a feed that changes its shape
/// for good gets a plan again. Not thread-safe: each thread has its own (see ``CanonicalScratch``).
final class CanonicalPlans {
    static let sets = 32
    static let ways = 2
    /// A plan's cost in credit; writing by a plan earns one, up to ``maxCredit``.
    static let planCost: Int32 = 16
    static let maxCredit: Int32 = 64
    /// Without credit, a plan is still made after this many objects in a row fit no plan of their set.
    static let retryEvery: Int32 = 64

    private let plans: UnsafeMutablePointer<Unmanaged<CanonicalPlan>?>
    /// Per way: when its plan was last made or used (``clock``).
    private let used: UnsafeMutablePointer<Int>
    /// Per set: its credit, and the objects in a row that fit no plan of it.
    private let credit: UnsafeMutablePointer<Int32>
    private let misses: UnsafeMutablePointer<Int32>
    private var clock = 0

    init() {
        plans = .allocate(capacity: Self.sets * Self.ways)
        plans.initialize(repeating: nil, count: Self.sets * Self.ways)
        used = .allocate(capacity: Self.sets * Self.ways)
        used.initialize(repeating: 0, count: Self.sets * Self.ways)
        credit = .allocate(capacity: Self.sets)
        credit.initialize(repeating: Self.maxCredit, count: Self.sets)
        misses = .allocate(capacity: Self.sets)
        misses.initialize(repeating: 0, count: Self.sets)
    }

    deinit {
        for i in 0..<(Self.sets * Self.ways) { plans[i]?.release() }
        plans.deallocate()
        used.deallocate()
        credit.deallocate()
        misses.deallocate()
    }

    /// The set of an object of at least two members.
    @inline(__always) static func set(_ members: UnsafeBufferPointer<JSONObject.Member>) -> Int {
        let keys = UnsafeRawPointer(members.baseAddress!) + JSONObject.keyOffset
        let last = keys + (members.count &- 1) &* MemoryLayout<JSONObject.Member>.stride
        return KeyOrderCache.slot(count: members.count, first: InlineString.words(at: keys), last: InlineString.words(at: last)) % sets
    }

    /// The plan of `way` of `set`, if any: valid until the next ``missed(_:_:stableNames:)``.
    @inline(__always) func plan(_ set: Int, way: Int) -> Unmanaged<CanonicalPlan>? { plans[set &* Self.ways &+ way] }

    /// How many objects were written by a plan, and how many plans were made (for tests).
    private(set) var written = 0
    private(set) var compiled = 0

    /// An object was written by the plan of `way` of `set`.
    @inline(__always) func hit(_ set: Int, way: Int) {
        clock &+= 1
        used[set &* Self.ways &+ way] = clock
        misses[set] = 0
        if credit[set] < Self.maxCredit { credit[set] &+= 1 }
        written &+= 1
    }

    /// An object that no plan of `set` fitted was written the general way: a plan made from it
    /// replaces the set's least recently used, when the set has the credit (or has missed long).
    func missed(_ set: Int, _ members: UnsafeBufferPointer<JSONObject.Member>, stableNames: Bool) {
        misses[set] &+= 1
        if credit[set] >= Self.planCost {
            credit[set] &-= Self.planCost
        } else if misses[set] % Self.retryEvery != 0 {
            return
        }
        let ways = plans + set &* Self.ways, stamps = used + set &* Self.ways
        var victim = 0
        for w in 1..<Self.ways where ways[victim] != nil && (ways[w] == nil || stamps[w] < stamps[victim]) { victim = w }
        let plan = CanonicalPlan.compile(members, stableNames: stableNames)
        compiled &+= 1
        clock &+= 1
        ways[victim]?.release()
        ways[victim] = plan.map { Unmanaged.passRetained($0) }
        stamps[victim] = clock
    }
}
