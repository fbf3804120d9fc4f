#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The canonical key order of object shapes seen recently: records of one feed repeat the same
/// objects with the same member names in the same document order, so the order sorting found for
/// one record serves the next after comparing names, without sorting again.
///
/// A shape is an object's member names in document order, between 4 and 32 of them. The cache is a
/// small table indexed by the member count and the first and last names; a slot is only used when
/// every name matches, so a collision costs a sort, never a wrong order. Names are compared by
/// their two words: text for names stored inline (at most 15 bytes, see ``InlineString``), and the
/// storage itself for longer ones, which matches the names a compiled mapping writes into every
/// record's `cef`. The cache keeps those longer names alive, so storage it compares against is never
/// freed and reused for other text. Not thread-safe: each thread has its own (see ``CanonicalScratch``).
final class KeyOrderCache {
    static let slots = 64
    static let maxMembers = 32
    static let minMembers = 4

    /// Per slot: the member count (0 for empty), the count of positions kept, the names' words, the positions.
    private let counts: UnsafeMutablePointer<Int>
    private let kept: UnsafeMutablePointer<Int>
    private let names: UnsafeMutablePointer<InlineString.Words>
    private let positions: UnsafeMutablePointer<Int32>
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
        retained = Array(repeating: [], count: Self.slots)
    }

    deinit {
        counts.deallocate()
        kept.deallocate()
        names.deallocate()
        positions.deallocate()
    }

    /// True when a stored name and a member's name are the same: the same inline text, or the same
    /// storage (whose text cannot have changed: the cache keeps it alive).
    @inline(__always) static func same(_ stored: InlineString.Words, _ w: InlineString.Words) -> Bool {
        InlineString.isInline(stored) ? InlineString.isInline(w) && InlineString.sameText(stored, w) : stored == w
    }

    /// ``JSONWriter/sortedPositions(_:into:)`` of `ms`, from the cache when its shape was seen.
    func sortedPositions(_ ms: UnsafeBufferPointer<JSONObject.Member>, into order: UnsafeMutableBufferPointer<Int>) -> Int {
        let n = ms.count
        guard n >= Self.minMembers, n <= Self.maxMembers, InlineString.layoutKnown, let base = ms.baseAddress else {
            return JSONWriter.sortedPositions(ms, into: order)
        }
        let keys = UnsafeRawPointer(base) + JSONObject.keyOffset
        @inline(__always) func words(_ i: Int) -> InlineString.Words {
            InlineString.words(at: keys + i &* MemoryLayout<JSONObject.Member>.stride)
        }
        let first = words(0), last = words(n - 1)
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        h ^= first.0 &* 0xBF58_476D_1CE4_E5B9
        h ^= (last.0 ^ (last.1 & 0x00FF_FFFF_FFFF_FFFF)) &* 0x94D0_49BB_1331_11EB
        let slot = Int(truncatingIfNeeded: (h >> 40) % UInt64(Self.slots))
        let stored = names + slot &* Self.maxMembers
        if counts[slot] == n {
            var same = true
            for i in 0..<n where !KeyOrderCache.same(stored[i], words(i)) {
                same = false
                break
            }
            if same {
                let m = kept[slot]
                let from = positions + slot &* Self.maxMembers
                for j in 0..<m { order[j] = Int(from[j]) }
                return m
            }
        }
        let m = JSONWriter.sortedPositions(ms, into: order)
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
        return m
    }
}

/// A canonical writer per thread, reused from one hash to the next: its buffer keeps its capacity
/// and its ``KeyOrderCache`` the key orders of the shapes it has written.
enum CanonicalScratch {
    final class Storage {
        var writer: JSONWriter
        let keyOrders = KeyOrderCache()
        var busy = false
        init() {
            writer = Storage.freshWriter(keyOrders)
        }

        static func freshWriter(_ keyOrders: KeyOrderCache) -> JSONWriter {
            var w = JSONWriter(style: .canonical, capacity: 4096)
            w.keyOrders = Unmanaged.passUnretained(keyOrders)
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
        // A writer for this call alone, where the thread's cannot be used.
        func own() -> R {
            var w = JSONWriter(style: .canonical, capacity: 2048)
            return body(&w)
        }
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
            if storage.writer.bufferCapacity > keptCapacity { storage.writer = Storage.freshWriter(storage.keyOrders) }
            storage.busy = false
        }
        storage.writer.reset()
        return body(&storage.writer)
    }
}
