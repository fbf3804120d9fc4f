import IntakeCore

/// What an expression sees while a record is mapped.
struct EvaluationContext {
    var raw: JSONValue
    var item: JSONValue = .null
    var index: Int64 = 0
    var asset: JSONValue
    var now: Timestamp
    var zone: MappingTimeZone
    /// The record's members and, by slot, where the mapping's ``MemberIndex`` names are among
    /// them (-1 where absent); nil when there is no index. Valid while the record is mapped.
    var rootMembers: UnsafePointer<JSONObject.Member>? = nil
    var rootPositions: UnsafePointer<Int32>? = nil
    /// The same one level down (see ``Path/nestedSlot``): by group, the members of the object
    /// below the group's top-level name (nil where there is none); by slot, where the group's
    /// names are among them. Nil without the index.
    var nestedMembers: UnsafePointer<UnsafePointer<JSONObject.Member>?>? = nil
    var nestedPositions: UnsafePointer<Int32>? = nil
}

/// A compiled mapping value: literal, `{{ expr }}` (type-preserving), text with expressions,
/// a list, an object, or a value map `{ value, map, default }`.
indirect enum Template: Sendable {
    case constant(JSONValue)
    case single(Expression, location: String)
    case interpolated([Part], location: String)
    case array([Template])
    case object([(String, Template)])
    case valueMap(value: Template, map: JSONObject, fallback: Template?)

    enum Part: Sendable {
        case text(String)
        case expression(Expression)
    }

    var isConstant: Bool { if case .constant = self { return true } else { return false } }

    func evaluate(_ ctx: EvaluationContext) throws(MappingFailure) -> JSONValue {
        switch self {
        case .constant(let v): return v
        case .single(let e, let location):
            // A lone path (the usual `{{ a.b }}`) read directly.
            if e.filters.isEmpty && e.literal == nil { return e.path.evaluate(ctx) }
            return try e.evaluate(ctx, location: location)
        case .interpolated(let parts, let location):
            var s = ""
            for p in parts {
                switch p {
                case .text(let t): s += t
                case .expression(let e): s += try e.evaluate(ctx, location: location).textValue
                }
            }
            return .string(s)
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for t in items {
                let v = try t.evaluate(ctx)
                // A list element that is itself a list (from `a[*]`) is spliced in, so tags stay flat.
                if case .array(let inner) = v, case .single = t { out.append(contentsOf: inner) } else { out.append(v) }
            }
            return .array(out)
        case .object(let members):
            var o = JSONObject()
            for (k, t) in members { o.append(k, try t.evaluate(ctx)) }
            return .object(o)
        case .valueMap(let value, let map, let fallback):
            let v = try value.evaluate(ctx)
            if !v.isEmptyValue {
                let key = v.textValue
                if let m = map[key] { return m }
                // Only a key with an uppercase letter (or non-ASCII text) can differ from its lowercase form.
                if Template.mayHaveUppercase(key), let m = map[key.lowercased()] { return m }
                return v
            }
            return try fallback?.evaluate(ctx) ?? .null
        }
    }
}

extension Template {
    /// Whether evaluating this template reads `$now`, in a path or in a `default` filter's path.
    var readsNow: Bool {
        switch self {
        case .constant: return false
        case .single(let e, _): return e.readsNow
        case .interpolated(let parts, _):
            return parts.contains { if case .expression(let e) = $0 { return e.readsNow } else { return false } }
        case .array(let items): return items.contains { $0.readsNow }
        case .object(let members): return members.contains { $0.1.readsNow }
        case .valueMap(let value, _, let fallback): return value.readsNow || (fallback?.readsNow ?? false)
        }
    }
}

extension Expression {
    /// Whether this expression reads `$now` (see ``Template/readsNow``).
    var readsNow: Bool {
        if literal == nil && path.root == .now { return true }
        return filters.contains { if case .defaultPath(let p) = $0 { return p.root == .now } else { return false } }
    }
}

extension Template {
    /// False when `text` has no uppercase letter (no byte `A` to `Z`, and no non-ASCII byte,
    /// whose case is left to `lowercased()`): the bytes scanned where they are.
    static func mayHaveUppercase(_ text: String) -> Bool {
        @inline(__always) func test(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
            for b in u where (b >= 0x41 && b <= 0x5A) || b >= 0x80 { return true }
            return false
        }
        if let found = text.utf8.withContiguousStorageIfAvailable(test) { return found }
        var copy = text
        return copy.withUTF8(test)
    }
}

extension Expression {
    func evaluate(_ ctx: EvaluationContext, location: String) throws(MappingFailure) -> JSONValue {
        try evaluate(ctx, location: location, filters: filters.count)
    }

    /// The value after the first `count` filters.
    func evaluate(_ ctx: EvaluationContext, location: String, filters count: Int) throws(MappingFailure) -> JSONValue {
        var v = literal ?? path.evaluate(ctx)
        // Indexed, not iterated: most expressions have no filters, and an iterator retains the list.
        var i = 0
        while i < count {
            do {
                v = try filters[i].apply(v, ctx)
            } catch {
                throw failure(error, in: filters[i], location: location)
            }
            i += 1
        }
        return v
    }

    /// A filter's error, as the mapping reports it: the filter and the expression named.
    func failure(_ error: FilterError, in filter: Filter, location: String) -> MappingFailure {
        MappingFailure(message: "\(error.message) (filter '\(filter.name)' in {{ \(text) }})", location: location)
    }
}

extension Template {
    /// The instant of a time field written `{{ … | time }}` (the usual way), read once: evaluating
    /// the template would format the filter's instant as text only for the field to parse it back.
    /// `.notThisShape` for any other template, and for an instant outside years 1–9999, whose text
    /// the field would refuse: those take the general path, with its errors.
    func evaluateTime(_ ctx: EvaluationContext) throws(MappingFailure) -> TimeField {
        // A `switch`, not `guard case`, and the filter read where it is: bindings that outlive a
        // `guard` are copies, and copying the expression and its filters retained their storage.
        switch self {
        case .single(let e, let location):
            let n = e.filters.count
            guard n > 0, case .time(let format) = e.filters[n - 1] else { return .notThisShape }
            let v = try e.evaluate(ctx, location: location, filters: n - 1)
            let instant: Timestamp?
            do {
                instant = try TimeParsing.parse(v, format: format, zone: ctx.zone)
            } catch {
                throw e.failure(error, in: e.filters[n - 1], location: location)
            }
            guard let instant else { return .empty }
            return Timestamp.storable.contains(instant) ? .instant(instant) : .notThisShape
        default:
            return .notThisShape
        }
    }

    enum TimeField {
        case instant(Timestamp)
        /// No time (the filter gave null).
        case empty
        case notThisShape
    }
}

extension Path {
    func evaluate(_ ctx: EvaluationContext) -> JSONValue {
        // A path from one of the record's indexed top-level names (most paths; `rootSlot` is only
        // set below `$raw`) is walked here, the others in a function of their own, which keeps
        // this one small: about 20 instructions fewer per path.
        if rootSlot >= 0, let positions = ctx.rootPositions {
            if nestedSlot >= 0, let nested = ctx.nestedPositions, let members = ctx.nestedMembers {
                return walk(from: nested[Int(nestedSlot)], among: members[Int(nestedSlot) / NestedMemberIndex.stride], after: 2)
            }
            return walk(from: positions[Int(rootSlot)], among: ctx.rootMembers, after: 1)
        }
        return evaluateUnindexed(ctx)
    }

    @inline(never) private func evaluateUnindexed(_ ctx: EvaluationContext) -> JSONValue {
        switch root {
        case .raw:
            return walk(ctx.raw)
        case .item: return walk(ctx.item)
        case .index: return walk(.int(ctx.index))
        case .asset: return walk(ctx.asset)
        case .now: return walk(.string(ctx.now.iso8601))
        }
    }

    /// The value at this path below `value`; null when a step is missing.
    @inline(__always) func walk(_ value: JSONValue) -> JSONValue {
        let found = steps?.withUnsafeBufferPointer { s in
            JSONValueLayout.known ? Path.walkInPlace(value, s) : Path.walk(value, s, from: 0)
        }
        return found ?? Path.walk(value, segments, from: 0)
    }

    /// The value at this path when the member its first `done` names lead to (one: the record's
    /// member; two: the member of the object below it) is at `position` among `members` (nil where
    /// there is no such object, -1 where there is no such member): the rest of the steps walked
    /// from there.
    func walk(from position: Int32, among members: UnsafePointer<JSONObject.Member>?, after done: Int) -> JSONValue {
        guard position >= 0, let members else { return .null }
        let value = UnsafeRawPointer(members + Int(position)) + JSONValueLayout.valueOffset
        // A path of those names only is the member found.
        guard let steps, steps.count > done else { return value.assumingMemoryBound(to: JSONValue.self).pointee }
        return steps.withUnsafeBufferPointer { s -> JSONValue in
            guard let p = JSONValueLayout.walk(value, UnsafeBufferPointer(rebasing: s[done...])) else { return .null }
            return p.assumingMemoryBound(to: JSONValue.self).pointee
        }
    }

    /// The value at `steps` below `value`, stepping down through the values in memory (see
    /// `JSONValueLayout`): nothing is copied on the way, only the value found.
    static func walkInPlace(_ value: JSONValue, _ steps: UnsafeBufferPointer<Step>) -> JSONValue {
        withUnsafePointer(to: value) { root -> JSONValue in
            guard let p = JSONValueLayout.walk(UnsafeRawPointer(root), steps) else { return .null }
            return p.assumingMemoryBound(to: JSONValue.self).pointee
        }
    }

    /// The value at `steps[from...]` below `value`, stepping down through borrowed values: only
    /// the value found is copied. The plain path, where `JSONValueLayout` does not hold.
    static func walk(_ value: JSONValue, _ steps: UnsafeBufferPointer<Step>, from at: Int) -> JSONValue {
        guard at < steps.count else { return value }
        let step = steps[at]
        if step.isKey {
            guard case .object(let o) = value, let i = o.lastIndex(of: step.key) else { return .null }
            return o.members.withUnsafeBufferPointer { walk($0[i].value, steps, from: at + 1) }
        } else {
            guard case .array(let a) = value else { return .null }
            let idx = step.index < 0 ? a.count + step.index : step.index
            guard idx >= 0 && idx < a.count else { return .null }
            return a.withUnsafeBufferPointer { walk($0[idx], steps, from: at + 1) }
        }
    }

    /// The value at `segments[from...]` below `value`; null when a step is missing.
    static func walk(_ value: JSONValue, _ segments: [Segment], from start: Int) -> JSONValue {
        var v = value
        var at = start
        while at < segments.count {
            switch segments[at] {
            case .key(let k):
                guard let next = Path.member(v, k) else { return .null }
                v = next
            case .index(let i):
                guard case .array(let a) = v else { return .null }
                let idx = i < 0 ? a.count + i : i
                guard idx >= 0 && idx < a.count else { return .null }
                v = a[idx]
            case .wildcard:
                let elements: [JSONValue]
                switch v {
                case .array(let a): elements = a
                case .object(let o): elements = o.members.map(\.value)
                default: return .null
                }
                let rest = at + 1
                let flatten = segments[rest...].contains(where: { if case .wildcard = $0 { return true } else { return false } })
                var out: [JSONValue] = []
                for e in elements {
                    let r = walk(e, segments, from: rest)
                    if case .array(let inner) = r, flatten {
                        out.append(contentsOf: inner)
                    } else if !r.isNull {
                        out.append(r)
                    }
                }
                return .array(out)
            }
            at += 1
        }
        return v
    }

    /// The value of the last member named `key` when `v` is an object.
    @inline(__always) static func member(_ v: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let o) = v, let i = o.lastIndex(ofKey: key) else { return nil }
        return o.members[i].value
    }
}

/// A record that could not be mapped: what failed and where in the mapping.
public struct MappingFailure: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    /// The mapping location, `FILE:LINE:COLUMN` of the field that failed.
    public var location: String
    public init(message: String, location: String) {
        self.message = message
        self.location = location
    }
    public var description: String { "\(location): \(message)" }
}
