#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CIntakeSupport

/// Writes ``JSONValue``s as compact JSON bytes, without Foundation.
///
/// In canonical form object keys are sorted by their UTF-8 bytes (and a repeated key keeps its
/// last value), there is no insignificant whitespace, and strings use the shortest escapes:
/// the same value always gives the same bytes, which is what artifact hashes are taken over.
public struct JSONWriter {
    public enum Style: Sendable {
        case compact
        case canonical
        case pretty
    }

    /// Owns the output buffer and frees it when the last writer holding it goes away. Writers are
    /// values: a copy that writes first gets its own buffer (see ``unique()``).
    private final class Owner {
        let base: UnsafeMutablePointer<UInt8>
        init(capacity: Int) { base = .allocate(capacity: capacity) }
        deinit { base.deallocate() }
    }

    // The bytes live in a raw buffer rather than an `[UInt8]`: the hot paths (artifact hashes,
    // stored JSON columns) append thousands of short pieces per record, and an array checks its
    // uniqueness and capacity on every append. Here the uniqueness check is made once per public
    // call and each append is a bounds check and a copy.
    private var owner: Owner
    /// The buffer (internal, not private: the writer's extensions in other files write into it).
    var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes the buffer holds before it grows.
    var bufferCapacity: Int { capacity }
    /// How many bytes have been written.
    public internal(set) var count = 0
    public let style: Style

    /// Key orders of object shapes already sorted (canonical style), when the writer has a cache:
    /// only ``CanonicalScratch``'s writers do, each used by one thread.
    var keyOrders: Unmanaged<KeyOrderCache>?

    /// Plans of record shapes already written (canonical style, see ``CanonicalPlan``), when the
    /// writer has them: only ``CanonicalScratch``'s writers do, each used by one thread.
    var plans: Unmanaged<CanonicalPlans>?

    /// Values are read in place (see ``JSONValueLayout``) rather than copied; false only where
    /// that layout does not hold, or in tests comparing both paths.
    let inPlace: Bool

    public init(style: Style = .compact, capacity: Int = 256) {
        self.init(style: style, capacity: capacity, inPlace: JSONValueLayout.known)
    }

    init(style: Style, capacity: Int, inPlace: Bool) {
        self.inPlace = inPlace && JSONValueLayout.known
        self.style = style
        let c = max(capacity, 16)
        owner = Owner(capacity: c)
        base = owner.base
        self.capacity = c
    }

    /// The bytes written so far (a copy).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written so far, without copying them; valid only inside `body`.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withExtendedLifetime(owner) { body(UnsafeBufferPointer(start: base, count: count)) }
    }

    /// The bytes written so far as text.
    public var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    /// The value as a compact (or canonical, or pretty) JSON string.
    public static func string(_ value: JSONValue, style: Style = .compact) -> String {
        var w = JSONWriter(style: style, capacity: 512)
        w.write(value)
        return w.text
    }

    /// The canonical encoding of a value.
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter(style: .canonical, capacity: 2048)
        w.write(value)
        return w.bytes
    }

    public mutating func write(_ value: JSONValue) { write(value, indent: 0) }

    /// Empties the writer, keeping its capacity, to write another value.
    public mutating func reset() {
        if !isKnownUniquelyReferenced(&owner) {
            owner = Owner(capacity: capacity)
            base = owner.base
        }
        count = 0
    }

    /// Appends text as it is: JSON the caller encoded earlier (nothing checks it).
    public mutating func appendRaw(_ raw: String) {
        unique()
        var raw = raw
        raw.withUTF8 { put($0) }
    }
    /// Appends fixed JSON text as it is compiled in, without going through a `String`.
    public mutating func appendLiteral(_ raw: StaticString) {
        unique()
        put(raw)
    }

    // MARK: - The buffer
    //
    // The appends below are internal, not private, for the writer's extensions in other files
    // (JSONWriter+Strings.swift); nothing outside the writer calls them.

    /// Gives this writer a buffer of its own before it writes, when a copy shares it.
    @inline(__always) private mutating func unique() {
        if !isKnownUniquelyReferenced(&owner) { reallocate(capacity) }
    }

    @inline(never) private mutating func reallocate(_ newCapacity: Int) {
        let o = Owner(capacity: newCapacity)
        o.base.update(from: base, count: count)
        owner = o
        base = o.base
        capacity = newCapacity
    }

    @inline(__always) mutating func reserve(_ n: Int) {
        if n > capacity &- count { reallocate(Swift.max(capacity &* 2, count &+ n)) }
    }

    @inline(__always) mutating func put(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count &+= 1
    }

    @inline(__always) mutating func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: p, count: n)
        count &+= n
    }

    @inline(__always) mutating func put(_ u: UnsafeBufferPointer<UInt8>) {
        if let p = u.baseAddress { put(p, u.count) }
    }

    @inline(__always) mutating func put(_ s: StaticString) { put(s.utf8Start, s.utf8CodeUnitCount) }

    // MARK: - Values

    mutating func write(_ value: JSONValue, indent: Int) {
        unique()
        if plans != nil && inPlace {
            withUnsafePointer(to: value) { emitPlanned(at: UnsafeRawPointer($0), indent: indent) }
        } else {
            emit(value, indent: indent)
        }
    }

    mutating func writeObject(_ o: JSONObject, indent: Int) {
        unique()
        emitObject(o, indent: indent)
    }

    private mutating func emit(_ value: JSONValue, indent: Int) {
        if inPlace {
            withUnsafePointer(to: value) { emit(at: UnsafeRawPointer($0), indent: indent) }
        } else {
            emitCopying(value, indent: indent)
        }
    }

    /// The value stored at `p`, read in place (see ``JSONValueLayout``): nothing in it is copied or
    /// retained. Only when ``inPlace``.
    private mutating func emit(at p: UnsafeRawPointer, indent: Int) {
        switch JSONValueLayout.tag(p) {
        case JSONValueLayout.stringTag:
            let w = InlineString.words(at: p)
            if InlineString.isInline(w) {
                if emitInline(w) { return }
            } else if let u = JSONValueLayout.largeUTF8(w) {
                emitString(utf8: u)
                return
            }
            emitCopying(p.assumingMemoryBound(to: JSONValue.self).pointee, indent: indent)
        case JSONValueLayout.intTag: emitInt(p.load(as: Int64.self))
        case JSONValueLayout.doubleTag: emitDouble(p.load(as: Double.self))
        case JSONValueLayout.boolTag: if p.load(as: UInt8.self) != 0 { put("true") } else { put("false") }
        case JSONValueLayout.nullTag: put("null")
        case JSONValueLayout.arrayTag:
            let elements = JSONValueLayout.elements(p, as: JSONValue.self)
            put(UInt8(ascii: "["))
            for i in 0..<elements.count {
                if i > 0 { put(UInt8(ascii: ",")) }
                newline(indent + 1)
                emit(at: UnsafeRawPointer(elements.baseAddress! + i), indent: indent + 1)
            }
            if !elements.isEmpty { newline(indent) }
            put(UInt8(ascii: "]"))
        case JSONValueLayout.objectTag:
            put(UInt8(ascii: "{"))
            emitMembers(JSONValueLayout.elements(p, as: JSONObject.Member.self), indent: indent)
            put(UInt8(ascii: "}"))
        default:
            emitCopying(p.assumingMemoryBound(to: JSONValue.self).pointee, indent: indent)
        }
    }

    /// The plain path: switches over the value, copying what it holds.
    private mutating func emitCopying(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: put("null")
        case .bool(let b): if b { put("true") } else { put("false") }
        case .int(let i): emitInt(i)
        case .double(let d): emitDouble(d)
        case .bigInt(var digits): digits.withUTF8 { put($0) }
        case .string(let s): emitString(s)
        case .array(let a):
            put(UInt8(ascii: "["))
            a.withUnsafeBufferPointer { elements in
                for i in elements.indices {
                    if i > 0 { put(UInt8(ascii: ",")) }
                    newline(indent + 1)
                    emit(elements[i], indent: indent + 1)
                }
            }
            if !a.isEmpty { newline(indent) }
            put(UInt8(ascii: "]"))
        case .object(let o):
            emitObject(o, indent: indent)
        }
    }

    private mutating func emitObject(_ o: JSONObject, indent: Int) {
        put(UInt8(ascii: "{"))
        o.members.withUnsafeBufferPointer { emitMembers($0, indent: indent) }
        put(UInt8(ascii: "}"))
    }

    /// An object's members, between its braces: sorted by key in canonical style.
    private mutating func emitMembers(_ mb: UnsafeBufferPointer<JSONObject.Member>, indent: Int) {
        guard let base = mb.baseAddress else { return }
        if inPlace { JSONValueLayout.prefetchChildren(mb) }
        if style == .canonical {
            // One member is in order already (`user`, `host` and `file` in the bench feed's
            // records): written without a look-up in the key-order cache.
            if mb.count == 1 { return emitMember(base, first: true, indent: indent) }
            withUnsafeTemporaryAllocation(of: Int.self, capacity: mb.count) { order in
                guard let cache = keyOrders else {
                    let n = JSONWriter.sortedPositions(mb, into: order)
                    for j in 0..<n { emitMember(base + order[j], first: j == 0, indent: indent) }
                    return
                }
                let found = cache._withUnsafeGuaranteedRef { $0.lookUp(mb, into: order) }
                defer { cache._withUnsafeGuaranteedRef { $0.release(found) } }
                if let positions = found.positions, let names = found.written {
                    for j in 0..<found.count {
                        // The name as written (`,"name":`), copied whole from its block: the
                        // bytes past its length are overwritten by what follows.
                        putBlock(names + j &* KeyOrderCache.nameBlock)
                        emitMemberValue(base + Int(positions[j]), indent: indent + 1)
                    }
                } else if let positions = found.positions {
                    for j in 0..<found.count { emitMember(base + Int(positions[j]), first: j == 0, indent: indent) }
                } else {
                    for j in 0..<found.count { emitMember(base + order[j], first: j == 0, indent: indent) }
                }
            }
        } else {
            for i in mb.indices {
                if i > 0 { put(UInt8(ascii: ",")) }
                newline(indent + 1)
                emitKey(base + i)
                put(UInt8(ascii: ":"))
                if style == .pretty { put(UInt8(ascii: " ")) }
                emitMemberValue(base + i, indent: indent + 1)
            }
            if !mb.isEmpty { newline(indent) }
        }
    }

    /// A member in canonical style: a comma unless it is the first, its name, its value.
    @inline(__always) private mutating func emitMember(_ m: UnsafePointer<JSONObject.Member>, first: Bool, indent: Int) {
        if !first { put(UInt8(ascii: ",")) }
        emitKey(m)
        put(UInt8(ascii: ":"))
        emitMemberValue(m, indent: indent + 1)
    }

    @inline(__always) private mutating func emitMemberValue(_ m: UnsafePointer<JSONObject.Member>, indent: Int) {
        if inPlace {
            let p = UnsafeRawPointer(m) + JSONValueLayout.valueOffset
            // The commonest values, short strings and integers, written here rather than by a call.
            switch JSONValueLayout.tag(p) {
            case JSONValueLayout.stringTag:
                let w = InlineString.words(at: p)
                if InlineString.isInline(w) && emitInline(w) { return }
            case JSONValueLayout.intTag:
                return emitInt(p.load(as: Int64.self))
            default: break
            }
            emit(at: p, indent: indent)
        } else {
            emit(m.pointee.value, indent: indent)
        }
    }

    @inline(__always) private mutating func newline(_ indent: Int) {
        guard style == .pretty else { return }
        put(0x0A)
        for _ in 0..<indent { put(0x20); put(0x20) }
    }

    public mutating func writeInt(_ i: Int64) {
        unique()
        emitInt(i)
    }

    private mutating func emitInt(_ i: Int64) {
        if i >= 0 && i < 10 {
            put(UInt8(truncatingIfNeeded: i) &+ 0x30)
            return
        }
        // Straight into the buffer: the digits counted first (an Int64 has at most 19, and a
        // sign), then written from the right, two at a time from a table of the pairs 00 to 99.
        reserve(20)
        var out = base + count
        if i < 0 {
            out.pointee = UInt8(ascii: "-")
            out += 1
        }
        var v = i.magnitude
        let digits = Int(intake_decimal_digits(v))
        let pairs = JSONWriter.digitPairs.utf8Start
        var at = out + digits
        while v >= 100 {
            let pair = Int(truncatingIfNeeded: v % 100) &* 2
            v /= 100
            at -= 2
            at[0] = pairs[pair]
            at[1] = pairs[pair &+ 1]
        }
        if v >= 10 {
            let pair = Int(truncatingIfNeeded: v) &* 2
            out[0] = pairs[pair]
            out[1] = pairs[pair &+ 1]
        } else {
            out[0] = UInt8(truncatingIfNeeded: v) &+ 0x30
        }
        count = out + digits - base
    }

    /// "00" to "99", each pair of digits at twice its value.
    static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    private mutating func emitDouble(_ d: Double) {
        guard d.isFinite else { put("null"); return }
        if d.rounded() == d && abs(d) < 1e15 {
            // Integral doubles print without an exponent, keeping a ".0" so the type is visible.
            emitInt(Int64(d))
            put(".0")
            return
        }
        var text = d.description
        text.withUTF8 { put($0) }
    }

    /// A member's name; an inline name is written from its words, read in place without copying the string.
    @inline(__always) private mutating func emitKey(_ m: UnsafePointer<JSONObject.Member>) {
        let at = UnsafeRawPointer(m) + JSONObject.keyOffset
        let w = InlineString.words(at: at)
        if InlineString.layoutKnown && InlineString.isInline(w) && emitInline(w) { return }
        emitString(m.pointee.key)
    }

    /// A string, or `null` for nil.
    public mutating func writeOptional(_ s: String?) {
        unique()
        if let s { emitString(s) } else { put("null") }
    }

    public mutating func writeString(_ s: String) {
        unique()
        emitString(s)
    }

    /// Fixed pieces of JSON text in blocks of 32 bytes (the text in the first 31, its length in the
    /// last), each written by one copy of the whole block rather than a call to copy its length: the
    /// member names of records written field by field. Allocated once and kept for the process.
    struct TextBlocks: @unchecked Sendable {
        static let size = 32
        private let base: UnsafeMutablePointer<UInt8>

        /// One block per text, in order; each text at most 31 bytes.
        init(_ texts: [StaticString]) {
            base = .allocate(capacity: texts.count * Self.size)
            base.initialize(repeating: 0, count: texts.count * Self.size)
            for (i, t) in texts.enumerated() {
                precondition(t.utf8CodeUnitCount < Self.size, "a text block holds at most 31 bytes")
                let block = base + i * Self.size
                block.update(from: t.utf8Start, count: t.utf8CodeUnitCount)
                block[Self.size - 1] = UInt8(truncatingIfNeeded: t.utf8CodeUnitCount)
            }
        }

        subscript(i: Int) -> UnsafePointer<UInt8> { UnsafePointer(base + i * Self.size) }
    }

    /// Appends bytes as they are: canonical JSON this thread wrote earlier (nothing checks it).
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        unique()
        put(bytes)
    }

    /// Appends the text of a ``TextBlocks`` block.
    mutating func append(block: UnsafePointer<UInt8>) {
        unique()
        putBlock(block)
    }

    /// A 32-byte block whose last byte is the length of its text: copied whole (the bytes past the
    /// text are overwritten by what follows), the count advanced by that length.
    @inline(__always) private mutating func putBlock(_ block: UnsafePointer<UInt8>) {
        reserve(32)
        let to = UnsafeMutableRawPointer(base + count), from = UnsafeRawPointer(block)
        for k in 0..<4 { to.storeBytes(of: from.loadUnaligned(fromByteOffset: k &* 8, as: UInt64.self), toByteOffset: k &* 8, as: UInt64.self) }
        count &+= Int(block[31])
    }

    // MARK: - Fields read in place
    //
    // A caller writing the fields of a value it holds by pointer (an artifact's body) passes each
    // field's address: reading `pointer.pointee.field` to pass it copied the field, retaining and
    // releasing its storage, because the writer being modified could, as far as the compiler knows,
    // be that same memory.

    /// The string stored at `p`, read in place.
    mutating func writeString(at p: UnsafeRawPointer) {
        unique()
        emitString(at: p)
    }

    /// The optional string stored at `p`, read in place: `null` when it is nil.
    mutating func writeOptionalString(at p: UnsafeRawPointer) {
        unique()
        if p.assumingMemoryBound(to: String?.self).pointee == nil { put("null") } else { emitString(at: p) }
    }

    /// The object stored at `p`, read in place. `stableNames`: its longer member names are the same
    /// strings from one object to the next (a compiled mapping's `cef` names), which a plan of its
    /// shape may then match by their storage (see ``CanonicalPlan``).
    mutating func writeObject(at p: UnsafeRawPointer, indent: Int, stableNames: Bool = false) {
        guard inPlace else { return writeObject(p.assumingMemoryBound(to: JSONObject.self).pointee, indent: indent) }
        unique()
        emitObject(JSONValueLayout.elements(p, as: JSONObject.Member.self), indent: indent, stableNames: stableNames)
    }

    // MARK: - Planned writes

    /// The value at `p`: an object of two or more members by the plan of its shape when there is one.
    private mutating func emitPlanned(at p: UnsafeRawPointer, indent: Int) {
        guard plans != nil, JSONValueLayout.tag(p) == JSONValueLayout.objectTag else { return emit(at: p, indent: indent) }
        emitObject(JSONValueLayout.elements(p, as: JSONObject.Member.self), indent: indent, stableNames: false)
    }

    /// An object whose members are read in place, braces included: by its shape's plan when the
    /// writer has one that fits (in canonical style), and otherwise the general way, after which
    /// its shape may get a plan.
    private mutating func emitObject(_ members: UnsafeBufferPointer<JSONObject.Member>, indent: Int, stableNames: Bool) {
        if let plans, members.count >= 2, style == .canonical {
            let set = CanonicalPlans.set(members)
            for way in 0..<CanonicalPlans.ways {
                if let plan = plans._withUnsafeGuaranteedRef({ $0.plan(set, way: way) }),
                   plan._withUnsafeGuaranteedRef({ run($0, members) }) {
                    return plans._withUnsafeGuaranteedRef { $0.hit(set, way: way) }
                }
            }
            put(UInt8(ascii: "{"))
            emitMembers(members, indent: indent)
            put(UInt8(ascii: "}"))
            return plans._withUnsafeGuaranteedRef { $0.missed(set, members, stableNames: stableNames) }
        }
        put(UInt8(ascii: "{"))
        emitMembers(members, indent: indent)
        put(UInt8(ascii: "}"))
    }

    /// Writes the object whose members are `root` by `plan`: true when it was of the plan's shape.
    /// False, with nothing written, as soon as a name or a nested object's member count differs
    /// from the plan's (the bytes written until then are taken back).
    private mutating func run(_ plan: CanonicalPlan, _ root: UnsafeBufferPointer<JSONObject.Member>) -> Bool {
        guard root.count == plan.rootCount, var members = root.baseAddress else { return false }
        let start = count
        let stack = plan.stack
        var depth = 0
        guard let ops = plan.ops.baseAddress else { return false }
        let end = ops + plan.ops.count
        var op = ops
        while op < end {
            putBlock(UnsafeRawPointer(op).assumingMemoryBound(to: UInt8.self))
            let c = op.pointee.count
            if c >= CanonicalPlan.Op.value {
                let m = members + Int(op.pointee.position)
                let w = InlineString.words(at: UnsafeRawPointer(m) + JSONObject.keyOffset)
                guard w.0 == op.pointee.key.0, (w.1 ^ op.pointee.key.1) & op.pointee.mask == 0 else {
                    count = start
                    return false
                }
                if c == CanonicalPlan.Op.value {
                    emitMemberValue(m, indent: 1)
                } else {
                    let v = UnsafeRawPointer(m) + JSONValueLayout.valueOffset
                    guard JSONValueLayout.tag(v) == JSONValueLayout.objectTag else {
                        count = start
                        return false
                    }
                    let nested = JSONValueLayout.elements(v, as: JSONObject.Member.self)
                    guard nested.count == Int(c), let first = nested.baseAddress else {
                        count = start
                        return false
                    }
                    stack[depth] = members
                    depth &+= 1
                    members = first
                }
            } else if c == CanonicalPlan.Op.close {
                depth &-= 1
                members = stack[depth]
            }
            op += 1
        }
        return true
    }

    /// The value stored at `p`, read in place.
    mutating func write(at p: UnsafeRawPointer, indent: Int) {
        guard inPlace else { return write(p.assumingMemoryBound(to: JSONValue.self).pointee, indent: indent) }
        unique()
        emitPlanned(at: p, indent: indent)
    }

    /// The list of strings stored at `p`, read in place.
    mutating func writeStrings(at p: UnsafeRawPointer) {
        unique()
        put(UInt8(ascii: "["))
        let strings = JSONValueLayout.elements(p, as: String.self)
        for i in strings.indices {
            if i > 0 { put(UInt8(ascii: ",")) }
            emitString(at: UnsafeRawPointer(strings.baseAddress! + i))
        }
        put(UInt8(ascii: "]"))
    }

    /// A timestamp as its ISO-8601 text, quoted, or `null`: written straight into the buffer.
    public mutating func writeOptional(_ t: Timestamp?) {
        unique()
        guard let t else { return put("null") }
        reserve(Timestamp.iso8601Count &+ 2)
        base[count] = UInt8(ascii: "\"")
        t.write(to: base + (count &+ 1))
        base[count &+ 1 &+ Timestamp.iso8601Count] = UInt8(ascii: "\"")
        count &+= Timestamp.iso8601Count &+ 2
    }
}
