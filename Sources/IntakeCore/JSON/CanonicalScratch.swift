#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The canonical key order of object shapes seen recently: records of one feed repeat the same
/// objects with the same member names in the same document order, so the order sorting found for
/// one record serves the next after comparing names, without sorting again. With the order, a slot
/// keeps each member's name as written before its value (`,"name":`), so that writing a name is one
/// copy, with no escape test.
///
/// A shape is an object's member names in document order, between 4 and 32 of them. The cache is a
/// small table indexed by the member count and the first and last names; a slot is only used when
/// every name matches, so a collision costs a sort, never a wrong order. Names are compared by
/// their two words: text for names stored inline (at most 15 bytes, see ``InlineString``), and the
/// storage itself for longer ones, which matches the names a compiled mapping writes into every
/// record's `cef`. The cache keeps those longer names alive, so storage it compares against is never
/// freed and reused for other text. Not thread-safe: each thread has its own (see ``CanonicalScratch``).
final class KeyOrderCache {
    static let slots = 128
    static let maxMembers = 32
    static let minMembers = 2
    /// Bytes per written name: the text in the first 31 (`,"name":`, the comma only after the first
    /// member), its length in the last. A name that needs more, or an escape, is not kept written.
    static let nameBlock = JSONWriter.TextBlocks.size

    /// Per slot: the member count (0 for empty), the count of positions kept, the names' words, the positions.
    private let counts: UnsafeMutablePointer<Int>
    private let kept: UnsafeMutablePointer<Int>
    private let names: UnsafeMutablePointer<InlineString.Words>
    private let positions: UnsafeMutablePointer<Int32>
    /// Per slot: the names as written, in sorted order (``nameBlock`` bytes each), when all of them fit.
    private let written: UnsafeMutablePointer<UInt8>
    private let writtenValid: UnsafeMutablePointer<Bool>
    /// Per slot: how many writes are reading it now (an object and the objects nested in it). A slot
    /// in use is not refilled, so an object's nested shapes cannot change its order under it.
    private let pins: UnsafeMutablePointer<Int>
    /// Per slot, the names not stored inline, kept alive while their words are in `names`.
    private var retained: [[String]]

    init() {
        counts = .allocate(capacity: Self.slots)
        counts.initialize(repeating: 0, count: Self.slots)
        kept = .allocate(capacity: Self.slots)
        kept.initialize(repeating: 0, count: Self.slots)
        names = .allocate(capacity: Self.slots * Self.maxMembers)
        names.initialize(repeating: (0, 0), count: Self.slots * Self.maxMembers)
        positions = .allocate(capacity: Self.slots * Self.maxMembers)
        positions.initialize(repeating: 0, count: Self.slots * Self.maxMembers)
        written = .allocate(capacity: Self.slots * Self.maxMembers * Self.nameBlock)
        written.initialize(repeating: 0, count: Self.slots * Self.maxMembers * Self.nameBlock)
        writtenValid = .allocate(capacity: Self.slots)
        writtenValid.initialize(repeating: false, count: Self.slots)
        pins = .allocate(capacity: Self.slots)
        pins.initialize(repeating: 0, count: Self.slots)
        retained = Array(repeating: [], count: Self.slots)
    }

    deinit {
        counts.deallocate()
        kept.deallocate()
        names.deallocate()
        positions.deallocate()
        written.deallocate()
        writtenValid.deallocate()
        pins.deallocate()
    }

    /// True when a stored name and a member's name are the same: the same inline text, or the same
    /// storage (whose text cannot have changed: the cache keeps it alive).
    @inline(__always) static func same(_ stored: InlineString.Words, _ w: InlineString.Words) -> Bool {
        InlineString.isInline(stored) ? InlineString.isInline(w) && InlineString.sameText(stored, w) : stored == w
    }

    /// An object's canonical member order, as ``lookUp(_:into:)`` finds it.
    struct Order {
        /// How many members are written (repeated names keep their last member only).
        var count: Int
        /// The positions in sorted order: the cache's own (pinned until ``KeyOrderCache/release(_:)``),
        /// or the caller's buffer.
        var positions: UnsafePointer<Int32>?
        /// The names as written (``KeyOrderCache/nameBlock`` bytes each), when the cache has them.
        var written: UnsafePointer<UInt8>?
        /// The slot pinned for this object, or -1.
        var slot: Int
    }

    /// The canonical order of `ms`: from the cache when its shape was seen (the slot then stays
    /// pinned until ``release(_:)``), otherwise sorted into `order` (and remembered when the slot is free).
    func lookUp(_ ms: UnsafeBufferPointer<JSONObject.Member>, into order: UnsafeMutableBufferPointer<Int>) -> Order {
        let n = ms.count
        guard n >= Self.minMembers, n <= Self.maxMembers, InlineString.layoutKnown, let base = ms.baseAddress else {
            return Order(count: JSONWriter.sortedPositions(ms, into: order), positions: nil, written: nil, slot: -1)
        }
        let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
        @inline(__always) func words(_ i: Int) -> InlineString.Words { Self.nameWords(keys, i) }
        let slot = Self.slot(count: n, first: words(0), last: words(n - 1))
        let stored = names + slot &* Self.maxMembers
        if counts[slot] == n {
            var same = true
            for i in 0..<n where !KeyOrderCache.same(stored[i], words(i)) {
                same = false
                break
            }
            if same { return pinned(slot) }
        }
        return fill(slot, ms, into: order)
    }

    /// A shape not in the cache: sorted into `order`, and remembered in `slot` unless the slot is in
    /// use. Apart from ``lookUp(_:into:)``, so that a hit, the usual case, runs a small function.
    @inline(never) private func fill(_ slot: Int, _ ms: UnsafeBufferPointer<JSONObject.Member>, into order: UnsafeMutableBufferPointer<Int>) -> Order {
        let n = ms.count
        let keys = UnsafeRawPointer(ms.baseAddress!) + JSONObject.keyOffset
        @inline(__always) func words(_ i: Int) -> InlineString.Words { Self.nameWords(keys, i) }
        let stored = names + slot &* Self.maxMembers
        let m = JSONWriter.sortedPositions(ms, into: order)
        // A slot in use by an enclosing object keeps its shape; this one is written from `order`.
        guard pins[slot] == 0 else { return Order(count: m, positions: nil, written: nil, slot: -1) }
        var keep: [String] = []
        for i in 0..<n {
            let w = words(i)
            stored[i] = w
            if !InlineString.isInline(w) { keep.append(ms[i].key) }
        }
        retained[slot] = keep
        counts[slot] = n
        kept[slot] = m
        let to = positions + slot &* Self.maxMembers
        for j in 0..<m { to[j] = Int32(truncatingIfNeeded: order[j]) }
        writtenValid[slot] = write(ms, order: UnsafeBufferPointer(rebasing: order[0..<m]), into: written + slot &* Self.maxMembers &* Self.nameBlock)
        return pinned(slot)
    }

    /// The words of member `i`'s name, the members' names starting at `keys`.
    @inline(__always) private static func nameWords(_ keys: UnsafeRawPointer, _ i: Int) -> InlineString.Words {
        InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride)
    }

    /// The slot of a shape: from its member count and its first and last names.
    @inline(__always) static func slot(count n: Int, first: InlineString.Words, last: InlineString.Words) -> Int {
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        h ^= first.0 &* 0xBF58_476D_1CE4_E5B9
        h ^= (last.0 ^ (last.1 & 0x00FF_FFFF_FFFF_FFFF)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (h >> 40) % UInt64(slots))
    }

    /// The slot of the shape of `members` (for tests), or nil for one the cache does not keep.
    static func slot(for members: [JSONObject.Member]) -> Int? {
        guard members.count >= minMembers, members.count <= maxMembers, InlineString.layoutKnown else { return nil }
        return members.withUnsafeBufferPointer { mb in
            let keys = UnsafeRawPointer(mb.baseAddress!) + JSONObject.keyOffset
            let stride = MemoryLayout<JSONObject.Member>.stride
            return slot(count: mb.count, first: InlineString.words(at: keys), last: InlineString.words(at: keys + (mb.count - 1) * stride))
        }
    }

    @inline(__always) private func pinned(_ slot: Int) -> Order {
        pins[slot] &+= 1
        return Order(count: kept[slot], positions: UnsafePointer(positions + slot &* Self.maxMembers),
                     written: writtenValid[slot] ? UnsafePointer(written + slot &* Self.maxMembers &* Self.nameBlock) : nil,
                     slot: slot)
    }

    /// Unpins the slot an ``Order`` came from (nothing for an order that is not the cache's).
    @inline(__always) func release(_ order: Order) {
        if order.slot >= 0 { pins[order.slot] &-= 1 }
    }

    /// Writes the names of `ms` in `order` as they appear in canonical JSON, one block each; false
    /// (the blocks then unused) when a name needs an escape or more room than a block has.
    private func write(_ ms: UnsafeBufferPointer<JSONObject.Member>, order: UnsafeBufferPointer<Int>, into blocks: UnsafeMutablePointer<UInt8>) -> Bool {
        for j in order.indices {
            let ok = JSONWriter.withUTF8(ms[order[j]].key) { u -> Bool in
                let comma = j > 0 ? 1 : 0
                let length = comma + u.count + 3
                guard length < Self.nameBlock, !u.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
                let block = blocks + j &* Self.nameBlock
                if comma == 1 { block[0] = UInt8(ascii: ",") }
                block[comma] = UInt8(ascii: "\"")
                for i in 0..<u.count { block[comma + 1 + i] = u[i] }
                block[comma + 1 + u.count] = UInt8(ascii: "\"")
                block[comma + 2 + u.count] = UInt8(ascii: ":")
                block[Self.nameBlock - 1] = UInt8(truncatingIfNeeded: length)
                return true
            }
            if !ok { return false }
        }
        return true
    }
}

/// A canonical writer per thread, reused from one hash to the next: its buffer keeps its capacity
/// and its ``KeyOrderCache`` the key orders of the shapes it has written.
enum CanonicalScratch {
    final class Storage {
        /// Used by one thread only, one call at a time (``busy``): not checked for exclusive access
        /// at run time on every use, as a class's stored `var` otherwise is.
        @exclusivity(unchecked) var writer: JSONWriter
        /// The second and third writers of ``CanonicalScratch/withWriters(_:)``: two bodies hashed
        /// together, and a value they share written once.
        @exclusivity(unchecked) var second: JSONWriter
        @exclusivity(unchecked) var third: JSONWriter
        let keyOrders = KeyOrderCache()
        let plans = CanonicalPlans()
        var busy = false
        init() {
            writer = Storage.freshWriter(keyOrders, plans)
            second = Storage.freshWriter(keyOrders, plans)
            third = Storage.freshWriter(keyOrders, plans)
        }

        static func freshWriter(_ keyOrders: KeyOrderCache, _ plans: CanonicalPlans) -> JSONWriter {
            var w = JSONWriter(style: .canonical, capacity: 4096)
            w.keyOrders = Unmanaged.passUnretained(keyOrders)
            w.plans = Unmanaged.passUnretained(plans)
            return w
        }
    }

    /// A writer whose buffer grew past this (a record with huge values) is replaced after use, so
    /// that a thread does not keep that much memory for the rest of the process.
    static let keptCapacity = 1 << 20

    /// The thread-specific slot holding each thread's ``Storage``; nil when none could be created
    /// (the process used up its keys), and then every call gets a writer of its own.
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { p in
            if let p { Unmanaged<Storage>.fromOpaque(p).release() }
        }
        return status == 0 ? key : nil
    }()

    /// Calls `body` with this thread's canonical writer, emptied. A nested call on the same thread
    /// gets a writer of its own.
    static func withWriter<R>(_ body: (inout JSONWriter) -> R) -> R {
        withStorage({ body(&$0.writer) }, own: {
            var w = JSONWriter(style: .canonical, capacity: 2048)
            return body(&w)
        })
    }

    /// Calls `body` with this thread's three canonical writers, emptied: two for values written
    /// one after the other and hashed together, the third for a value they share, written once.
    /// They share one ``KeyOrderCache``: a write pins the slots it reads only until it returns. A
    /// nested call gets writers of its own.
    static func withWriters<R>(_ body: (inout JSONWriter, inout JSONWriter, inout JSONWriter) -> R) -> R {
        withStorage({ s in
            s.second.reset()
            s.third.reset()
            defer {
                if s.second.bufferCapacity > keptCapacity { s.second = Storage.freshWriter(s.keyOrders, s.plans) }
                if s.third.bufferCapacity > keptCapacity { s.third = Storage.freshWriter(s.keyOrders, s.plans) }
            }
            return body(&s.writer, &s.second, &s.third)
        }, own: {
            var a = JSONWriter(style: .canonical, capacity: 2048), b = JSONWriter(style: .canonical, capacity: 2048)
            var c = JSONWriter(style: .canonical, capacity: 2048)
            return body(&a, &b, &c)
        })
    }

    /// Calls `body` with this thread's storage, its first writer emptied (`own` where the thread's
    /// cannot be used: no thread-specific key, or a call already using it).
    @inline(__always) private static func withStorage<R>(_ body: (Storage) -> R, own: () -> R) -> R {
        guard let key else { return own() }
        let storage: Storage
        if let p = pthread_getspecific(key) {
            storage = Unmanaged<Storage>.fromOpaque(p).takeUnretainedValue()
        } else {
            storage = Storage()
            let retained = Unmanaged.passRetained(storage)
            guard pthread_setspecific(key, retained.toOpaque()) == 0 else {
                retained.release()
                return own()
            }
        }
        if storage.busy { return own() }
        storage.busy = true
        defer {
            if storage.writer.bufferCapacity > keptCapacity { storage.writer = Storage.freshWriter(storage.keyOrders, storage.plans) }
            storage.busy = false
        }
        storage.writer.reset()
        return body(storage)
    }
}
