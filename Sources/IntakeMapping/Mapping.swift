import Foundation
import IntakeCore

/// A compiled mapping file: turns one raw record into one container (or a share of one, when
/// records are grouped) and its artifacts. Compiled once; applying it parses nothing.
public struct Mapping: Sendable {
    public let file: String
    let container: ContainerRule
    let artifacts: [ArtifactRule]
    /// The record's top-level names the paths start with (see ``Path/rootSlot``).
    let roots: MemberIndex
    /// The objects below some of those names whose members the paths name next (`src` for `src.ip`
    /// and `src.port`), each with an index of those names (see ``Path/nestedSlot``).
    let nested: NestedMemberIndex
    /// Non-fatal findings, such as custom CEF keys without `cef_types`.
    public let warnings: [MappingDiagnostic]

    init(file: String, container: ContainerRule, artifacts: [ArtifactRule], roots: MemberIndex, nested: NestedMemberIndex,
         warnings: [MappingDiagnostic]) {
        self.file = file
        self.container = container
        self.artifacts = artifacts
        self.roots = roots
        self.nested = nested
        self.warnings = warnings
    }

    /// This mapping without its index of the record's top-level names (nor of the objects below
    /// them): every path scans for its names (for tests comparing the two).
    var withoutRootIndex: Mapping {
        Mapping(file: file, container: container, artifacts: artifacts, roots: MemberIndex(names: []), nested: NestedMemberIndex(groups: []), warnings: warnings)
    }

    /// Where the record's members the paths name are found, for one record or a batch: positions
    /// by slot, and, for a batch, the names of the previous record's objects, whose positions a
    /// record with the same names keeps (see ``MemberIndex/Shape``).
    struct Index: ~Copyable {
        let positions: UnsafeMutablePointer<Int32>
        var shape: MemberIndex.Shape
        var nested: NestedMemberIndex.State

        /// Buffers for `mapping`'s names; `batch`: remembering each record's names for the next.
        init(_ mapping: borrowing Mapping, batch: Bool) {
            positions = .allocate(capacity: max(mapping.roots.count, 1))
            shape = batch ? MemberIndex.Shape() : MemberIndex.Shape(capacity: 0)
            nested = NestedMemberIndex.State(mapping.nested, remember: batch)
        }

        deinit { positions.deallocate() }
    }

    /// Compiles mapping text (YAML or JSON); `file` names it in errors.
    public static func compile(text: String, file: String) throws(MappingLoadError) -> Mapping {
        let doc: YAMLDocument
        do {
            doc = try YAMLDocument(text: text, file: file)
        } catch {
            throw MappingLoadError([MappingDiagnostic(location: error.location ?? file, message: error.message)])
        }
        var compiler = MappingCompiler(doc)
        guard let mapping = compiler.compile() else {
            throw MappingLoadError(compiler.diagnostics.filter { $0.severity == .error },
                                   warnings: compiler.diagnostics.filter { $0.severity == .warning })
        }
        return mapping
    }

    /// Mapping files already compiled, by path: one is compiled again only when its text changed.
    static let compiled = FileTextCache<Mapping>()

    /// Reads and compiles a mapping file (compiled again only when its text changed since the last read).
    public static func load(path: String, displayName: String? = nil) throws(MappingLoadError) -> Mapping {
        let name = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MappingLoadError([MappingDiagnostic(location: name, message: "cannot read the mapping file (missing or unreadable)")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw MappingLoadError([MappingDiagnostic(location: name, message: "the mapping file is not valid UTF-8")])
        }
        return try compiled.value(for: path + "\u{0}" + name, text: text) { () throws(MappingLoadError) in
            try compile(text: text, file: name)
        }
    }

    /// Maps one record. Throws ``MappingFailure`` when a value cannot be produced; the caller quarantines the record.
    ///
    /// To map many records, ``apply(_:context:_:)`` is faster: it hashes their artifacts two at a time.
    public func apply(_ record: JSONValue, context: MappingContext) throws(MappingFailure) -> MappedRecord {
        var index = Index(self, batch: false)
        let outcome = withUnsafePointer(to: record) { r in
            Result { () throws(MappingFailure) in
                try apply(at: r, context: context, hashNow: true, index: &index)
            }
        }
        return try outcome.get()
    }

    /// Maps records in order, handing each record's outcome to `body` (with its position in
    /// `records`) as soon as it is complete, in the order of `records`: the same outcomes as
    /// ``apply(_:context:)`` on each, but the artifacts' hashes are taken two at a time
    /// (``Digest/sha256HexPair(_:_:)``), a record's last one with the next record's first when
    /// their count is odd, so that a record is handed on once the artifact after its last one is
    /// mapped, or at the end; and a record with several artifacts is written once for all their
    /// bodies (``ArtifactDraft/hashAll(_:)``).
    public func apply(_ records: [JSONValue], context: MappingContext,
                      _ body: (Int, consuming Result<MappedRecord, MappingFailure>) -> Void) {
        apply(records[...], context: context, body)
    }

    /// ``apply(_:context:_:)`` over part of an array: positions are the array's indices.
    ///
    /// Not generic over the collection: unspecialized across modules, its code copied each mapped
    /// record through the type's value witnesses, retaining everything in it once more.
    public func apply(_ records: ArraySlice<JSONValue>, context: MappingContext,
                      _ body: (Int, consuming Result<MappedRecord, MappingFailure>) -> Void) {
        // The record whose last artifact waits for a partner (every other artifact of it hashed).
        var heldIndex = 0
        var held: MappedRecord? = nil
        func flush() {
            guard var h = held.take() else { return }
            h.artifacts[h.artifacts.count - 1].rehash()
            body(heldIndex, .success(consume h))
        }
        // One buffer for the whole batch of where each record's members named by the paths are,
        // and the previous record's names, to keep its positions when the next has the same. Each
        // record is mapped by a direct call: through closures, as the one-record `apply` needs, the
        // mapped record (some 250 bytes) was copied twice more.
        var index = Index(self, batch: true)
        records.withUnsafeBufferPointer { recs in
            for k in recs.indices {
                let i = records.startIndex + k
                var mapped: MappedRecord
                do throws(MappingFailure) {
                    mapped = try apply(at: recs.baseAddress! + k, context: context, hashNow: false, index: &index)
                } catch {
                    flush()
                    body(i, .failure(error))
                    continue
                }
                let count = mapped.artifacts.count
                var next = 0
                if count > 0, var h = held.take() {
                    h.artifacts.withUnsafeMutableBufferPointer { a in
                        mapped.artifacts.withUnsafeMutableBufferPointer { b in
                            ArtifactDraft.hashPair(a.baseAddress! + (a.count - 1), b.baseAddress!)
                        }
                    }
                    body(heldIndex, .success(consume h))
                    next = 1
                } else {
                    flush()
                }
                // The rest two at a time, the record written once for all of them; an odd one out
                // waits for the next record's first artifact.
                let paired = (count - next) & ~1
                if paired > 0 {
                    mapped.artifacts.withUnsafeMutableBufferPointer { b in
                        ArtifactDraft.hashAll(UnsafeMutableBufferPointer(rebasing: b[next..<(next + paired)]))
                    }
                    next += paired
                }
                if next < count {
                    heldIndex = i
                    held = consume mapped
                } else {
                    body(i, .success(consume mapped))
                }
            }
        }
        flush()
    }

    /// Maps the record at `record`, its artifacts hashed now or (`hashNow` false) left for the
    /// caller to hash. Where the paths' first names are in the record is found first, in one pass,
    /// into `index` (see `MemberIndex`), or kept from the previous record when its names were the
    /// same; then, the same way, where their second names are in the objects below the first.
    private func apply(at record: UnsafePointer<JSONValue>, context: MappingContext, hashNow: Bool,
                       index: inout Index) throws(MappingFailure) -> MappedRecord {
        JSONValueLayout.prefetch(record.pointee)
        let indexed = roots.count > 0 && JSONValueLayout.known
        guard indexed else {
            return try apply(record.pointee, context: context, hashNow: hashNow, rootMembers: nil, rootPositions: nil,
                             nestedMembers: nil, nestedPositions: nil)
        }
        let members = roots.positions(in: UnsafeRawPointer(record), into: index.positions, shape: &index.shape)
        nested.fill(&index.nested, rootMembers: members, rootPositions: index.positions)
        return try apply(record.pointee, context: context, hashNow: hashNow, rootMembers: members,
                         rootPositions: UnsafePointer(index.positions), nestedMembers: UnsafePointer(index.nested.members),
                         nestedPositions: UnsafePointer(index.nested.positions))
    }

    private func apply(_ record: JSONValue, context: MappingContext, hashNow: Bool, rootMembers: UnsafePointer<JSONObject.Member>?,
                       rootPositions: UnsafePointer<Int32>?, nestedMembers: UnsafePointer<UnsafePointer<JSONObject.Member>?>?,
                       nestedPositions: UnsafePointer<Int32>?) throws(MappingFailure) -> MappedRecord {
        // The context is passed to each helper rather than captured: a captured `var` would be boxed
        // and copied (with its references retained) at every template evaluated.
        let base = EvaluationContext(raw: record, asset: context.asset, now: context.now, zone: context.timeZone,
                                     rootMembers: rootMembers, rootPositions: rootPositions,
                                     nestedMembers: nestedMembers, nestedPositions: nestedPositions)
        // The record's hash, for default identifiers: taken once, when first needed. Read and
        // written inline, not from a local function: a `var` a function captures is checked for
        // exclusive access at run time on every access.
        var rawHash: String? = nil
        // The rules are read through `container` and `artifacts` in place: a local copy of either
        // would retain every template in it, once per record.
        // Templates are borrowed from the rules, read through optional chaining: binding one (or
        // passing it by value) copied it, retaining its box.
        func text(_ t: borrowing Template?, _ field: String, _ ctx: borrowing EvaluationContext) throws(MappingFailure) -> String? {
            guard let v = try t?.evaluate(ctx) else { return nil }
            if v.isEmptyValue { return nil }
            switch v {
            case .object, .array:
                throw MappingFailure(message: "\(field) must be text, not \(v.typeName == "array" ? "a list" : "an object")",
                                     location: container.locations[field] ?? file)
            default: return v.textValue
            }
        }
        func time(_ t: borrowing Template?, _ field: String, _ location: @autoclosure () -> String?, _ ctx: borrowing EvaluationContext) throws(MappingFailure) -> Timestamp? {
            switch try t?.evaluateTime(ctx) {
            case nil: return nil
            case .instant(let instant)?: return instant
            case .empty?: return nil
            case .notThisShape?: break
            }
            guard let v = try t?.evaluate(ctx) else { return nil }
            if v.isEmptyValue { return nil }
            do {
                return try TimeParsing.parse(v, format: nil, zone: context.timeZone)
            } catch {
                throw MappingFailure(message: "\(field): \(error.message)", location: location() ?? file)
            }
        }
        func tags(_ t: borrowing Template?, _ ctx: borrowing EvaluationContext) throws(MappingFailure) -> [String] {
            switch try t?.evaluate(ctx) ?? .null {
            case .array(let a): return a.filter { !$0.isEmptyValue }.map(\.textValue)
            case let v where v.isEmptyValue: return []
            case let v: return [v.textValue]
            }
        }

        let groupKey = try text(container.groupBy, "group_by", base)
        let sdi: String
        if let s = try text(container.sourceDataIdentifier, "source_data_identifier", base) ?? groupKey {
            sdi = s
        } else {
            rawHash = rawHash ?? Digest.canonicalSHA256(record)
            sdi = rawHash!
        }
        let mappedLabel = try text(container.label, "label", base)
        let label = context.labelOverride ?? mappedLabel ?? "events"
        let severityText = try text(container.severity, "severity", base)
        let severity = severityText.flatMap { context.severity($0) } ?? Severity.default
        var containerTags = try tags(container.tags, base)
        if let tenant = context.tenant, !containerTags.contains(tenant) { containerTags.append(tenant) }
        var sensitivity = Sensitivity.default
        if let v = try text(container.sensitivity, "sensitivity", base) {
            sensitivity = v.lowercased()
            guard Sensitivity.all.contains(sensitivity) else {
                throw MappingFailure(message: "sensitivity '\(v)' is not one of \(Sensitivity.all.joined(separator: ", "))",
                                     location: container.locations["sensitivity"] ?? file)
            }
        }
        var customFields = JSONObject()
        if let cf = container.customFields, case .object(let o) = try cf.evaluate(base) { customFields = o }
        let draft = ContainerDraft(
            label: label,
            name: try text(container.name, "name", base) ?? sdi,
            sourceDataIdentifier: sdi,
            description: try text(container.description, "description", base),
            status: try text(container.status, "status", base) ?? "open",
            sensitivity: sensitivity,
            severity: severity,
            startTime: try time(container.startTime, "container.start_time", container.locations["start_time"], base),
            endTime: try time(container.endTime, "container.end_time", container.locations["end_time"], base),
            dueTime: try time(container.dueTime, "container.due_time", container.locations["due_time"], base),
            killChain: try text(container.killChain, "kill_chain", base),
            owner: try text(container.owner, "owner", base),
            tags: containerTags,
            data: try container.data?.evaluate(base) ?? record,
            customFields: customFields)

        var out: [ArtifactDraft] = []
        // One context for every artifact, its item and index set in place: a copy per artifact
        // retained the record and the asset again.
        var ctx = consume base
        for r in artifacts.indices {
            ctx.item = .null
            ctx.index = 0
            // Without `for_each` a rule makes one artifact, with no list built for it.
            let each = artifacts[r].forEach != nil
            var elements: [JSONValue] = []
            if let fe = artifacts[r].forEach {
                let v = try fe.evaluate(ctx)
                switch v {
                case .array(let a): elements = a
                case let x where x.isEmptyValue: elements = []
                default: elements = [v]
                }
            }
            for i in 0..<(each ? elements.count : 1) {
                if each { ctx.item = elements[i] }
                ctx.index = Int64(i)
                if let w = artifacts[r].when, !Mapping.holds(try w.evaluate(ctx)) { continue }
                var cef = JSONObject()
                let fields = artifacts[r].cef.count
                cef.members.reserveCapacity(fields)
                for f in 0..<fields {
                    let v = try artifacts[r].cef[f].1.evaluate(ctx)
                    if !artifacts[r].keepEmpty && v.isEmptyValue { continue }
                    cef.append(artifacts[r].cef[f].0, v)
                }
                func atext(_ t: borrowing Template?, _ field: String, _ ctx: borrowing EvaluationContext) throws(MappingFailure) -> String? {
                    guard let v = try t?.evaluate(ctx) else { return nil }
                    if v.isEmptyValue { return nil }
                    if case .object = v { throw MappingFailure(message: "artifact \(field) must be text, not an object", location: artifacts[r].location) }
                    if case .array = v { throw MappingFailure(message: "artifact \(field) must be text, not a list", location: artifacts[r].location) }
                    return v.textValue
                }
                var artifactSDI = try atext(artifacts[r].sourceDataIdentifier, "source_data_identifier", ctx)
                if artifactSDI == nil {
                    rawHash = rawHash ?? Digest.canonicalSHA256(record)
                    artifactSDI = Digest.sha256Hex("\(rawHash!):\(artifacts[r].index):\(i)")
                }
                let artifactSeverity = try atext(artifacts[r].severity, "severity", ctx).flatMap { context.severity($0) } ?? severity
                let artifact = ArtifactDraft(
                    name: try atext(artifacts[r].name, "name", ctx) ?? "artifact",
                    label: try atext(artifacts[r].label, "label", ctx) ?? "event",
                    sourceDataIdentifier: artifactSDI,
                    startTime: try time(artifacts[r].startTime, "artifact start_time", artifacts[r].location, ctx) ?? draft.startTime,
                    endTime: try time(artifacts[r].endTime, "artifact end_time", artifacts[r].location, ctx),
                    severity: artifactSeverity,
                    type: try atext(artifacts[r].type, "type", ctx),
                    killChain: try atext(artifacts[r].killChain, "kill_chain", ctx),
                    cef: cef,
                    cefTypes: artifacts[r].cefTypes,
                    description: try atext(artifacts[r].description, "description", ctx),
                    tags: try tags(artifacts[r].tags, ctx),
                    data: record,
                    hashNow: hashNow)
                out.append(artifact)
            }
        }
        return MappedRecord(groupKey: groupKey, container: draft, artifacts: out)
    }
}

extension Mapping {
    /// Whether a `when` value lets its artifact be made: not when it is empty (null, empty text,
    /// an empty list or object), `false`, zero, or text the `bool` filter reads as false (`false`,
    /// `no`, `n`, `0`, `off`, `f`, any case, spaces around): sources such as Splunk give every field as text.
    static func holds(_ v: JSONValue) -> Bool {
        switch v {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return Filter.truth(of: s) ?? true
        default: return !v.isEmptyValue
        }
    }
}

/// What a mapping sees of the asset and the moment, besides the record itself.
public struct MappingContext: Sendable {
    /// `$asset` in expressions: name, label, app and tenant.
    public var asset: JSONValue
    public var now: Timestamp
    /// The asset's ingest label, which wins over the mapping's.
    public var labelOverride: String?
    public var tenant: String?
    /// The zone for times written without one (the asset's `timezone`; UTC by default).
    public var timeZone: MappingTimeZone
    /// Severity names the asset's SOAR defines besides low, medium and high (lowercase).
    public var customSeverities: [String]

    public init(asset: JSONValue = .object([:]), now: Timestamp = .now(), labelOverride: String? = nil, tenant: String? = nil,
                timeZone: MappingTimeZone = .utc, customSeverities: [String] = []) {
        self.asset = asset
        self.now = now
        self.labelOverride = labelOverride
        self.tenant = tenant
        self.timeZone = timeZone
        self.customSeverities = customSeverities.map { $0.trimmingSpaces.lowercased() }
    }
}

/// One record's mapping result.
public struct MappedRecord: Sendable {
    /// The `group_by` key, when the mapping groups records.
    public var groupKey: String?
    public var container: ContainerDraft
    public var artifacts: [ArtifactDraft]
}
