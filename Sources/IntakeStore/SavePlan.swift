import IntakeCore

/// The decisions of saving one page, taken in source order before rows are written, with the store's rules:
/// a container is found by (label, source data identifier) or created while the poll's container limit allows;
/// an artifact with an SDI is a duplicate when its hash is stored in its container already; only new
/// artifacts count against the limits; the page stops at the first record a limit does not let through.
///
/// Containers to create get negative placeholder ids until the backend has inserted them and reports
/// their ids through ``resolveContainers(realIds:)``; ``resolveArtifacts(inserted:)`` says which planned
/// artifacts it stored. A backend that finds a row another process committed meanwhile runs the whole
/// transaction again, with a new plan that sees that row.
struct SavePlan {
    struct KnownContainer: Sendable, Hashable {
        var id: Int64
        var closed: Bool
    }

    struct NewContainer {
        var virtualId: Int64
        var entry: Int
    }

    struct NewArtifact {
        var entry: Int
        var index: Int
        var container: Int64
        var id: Int64?
        var inserted = false
    }

    enum ArtifactSlot {
        case duplicate(container: Int64)
        case planned(Int)
    }

    struct EntryContainer {
        var id: Int64
        var createdNow: Bool
        var closed: Bool
    }

    /// What a page adds to one container: its new artifacts and their earliest and latest times.
    struct Touch {
        var added: Int64 = 0
        var earliest: Int64
        var latest: Int64

        /// Both pages' additions together.
        func adding(_ other: Touch) -> Touch {
            Touch(added: added + other.added, earliest: min(earliest, other.earliest), latest: max(latest, other.latest))
        }
    }

    let page: PageWrite
    let now: Timestamp
    private var known: [ContainerKey: KnownContainer]
    private var storedHashes: Set<ArtifactKey>
    private(set) var limits: PollLimits
    private(set) var newContainers: [NewContainer] = []
    var newArtifacts: [NewArtifact] = []
    private(set) var entryContainers: [EntryContainer] = []
    private(set) var entryArtifacts: [[ArtifactSlot]] = []
    private(set) var stoppedAtEntry: Int?
    private(set) var touches: [Int64: Touch] = [:]
    private var summary = PollSummary()
    private var realIds: [Int64: Int64] = [:]

    init(page: PageWrite, existing: [ContainerKey: KnownContainer], storedHashes: Set<ArtifactKey>, now: Timestamp = .now()) {
        self.page = page
        self.now = now
        self.known = existing
        self.storedHashes = storedHashes
        // Each new artifact of the page is added, so that a later copy in the page is a duplicate.
        self.storedHashes.reserveCapacity(storedHashes.count + page.entries.reduce(0) { $0 + $1.artifacts.count })
        self.limits = page.limits
    }

    /// An artifact's identity for dedup: its container and its hash.
    struct ArtifactKey: Hashable, Sendable {
        var container: Int64
        var hash: String
    }

    static func key(_ c: ContainerDraft) -> ContainerKey { ContainerKey(label: c.label, sourceDataIdentifier: c.sourceDataIdentifier) }
    static func artifactKey(_ container: Int64, _ hash: String) -> ArtifactKey { ArtifactKey(container: container, hash: hash) }

    /// Walks the page in source order and decides what to create, what is a duplicate and where to stop.
    mutating func decide() {
        var nextVirtual: Int64 = -1
        summary.pages = 1
        // Entries and drafts are read in place: a copy of each would retain every string it holds.
        entries: for i in page.entries.indices {
            let key = SavePlan.key(page.entries[i].container)
            let cid: Int64
            var closed = false
            var createdNow = false
            if let k = known[key] {
                cid = k.id
                closed = k.closed
            } else {
                if let cap = limits.containers, Int64(limits.touchedContainers.count) >= cap {
                    stoppedAtEntry = i
                    break entries
                }
                cid = nextVirtual
                nextVirtual -= 1
                newContainers.append(NewContainer(virtualId: cid, entry: i))
                known[key] = KnownContainer(id: cid, closed: false)
                createdNow = true
                limits.touchedContainers.insert(cid)
            }
            if !limits.seenContainers.contains(cid) {
                limits.seenContainers.insert(cid)
                if createdNow { summary.containersNew += 1 } else { summary.containersDuplicate += 1 }
            }
            entryContainers.append(EntryContainer(id: cid, createdNow: createdNow, closed: closed))

            var slots: [ArtifactSlot] = []
            slots.reserveCapacity(page.entries[i].artifacts.count)
            for j in page.entries[i].artifacts.indices {
                let dedupKey = page.entries[i].artifacts[j].sourceDataIdentifier != nil
                    ? SavePlan.artifactKey(cid, page.entries[i].artifacts[j].hash) : nil
                let isDuplicate = dedupKey.map { storedHashes.contains($0) } ?? false
                let atContainerCap = !limits.touchedContainers.contains(cid)
                    && limits.containers.map { Int64(limits.touchedContainers.count) >= $0 } ?? false
                let atArtifactCap = limits.artifactsPerContainer.map { (limits.artifactsSaved[cid] ?? 0) >= $0 } ?? false
                if isDuplicate {
                    // A duplicate passes any limit.
                    slots.append(.duplicate(container: cid))
                    continue
                }
                if atContainerCap || atArtifactCap {
                    entryArtifacts.append(slots)
                    stoppedAtEntry = i
                    break entries
                }
                slots.append(.planned(newArtifacts.count))
                newArtifacts.append(NewArtifact(entry: i, index: j, container: cid))
                if let dedupKey { storedHashes.insert(dedupKey) }
                limits.touchedContainers.insert(cid)
                limits.artifactsSaved[cid, default: 0] += 1
            }
            entryArtifacts.append(slots)
        }
    }

    /// The stored id of a container the plan refers to (a placeholder until resolved).
    func containerId(_ id: Int64) -> Int64 { id < 0 ? realIds[id] ?? id : id }

    /// Replaces placeholders with the ids the backend inserted.
    mutating func resolveContainers(realIds: [Int64: Int64]) {
        self.realIds = realIds
        for n in entryContainers.indices { entryContainers[n].id = containerId(entryContainers[n].id) }
        for n in newArtifacts.indices { newArtifacts[n].container = containerId(newArtifacts[n].container) }
        limits.seenContainers = Set(limits.seenContainers.map(containerId))
        // Touched again below for each artifact actually saved.
        limits.touchedContainers = Set(limits.touchedContainers.map(containerId))
        limits.touchedContainers.formUnion(page.limits.touchedContainers)
    }

    /// Marks which planned artifacts the backend inserted (by their ids); the rest were stored meanwhile.
    mutating func resolveArtifacts(inserted: Set<Int64>) {
        for n in newArtifacts.indices {
            newArtifacts[n].inserted = newArtifacts[n].id.map(inserted.contains) ?? false
        }
    }

    /// Per-entry results, counters and the limits after the page; also fills ``touches``.
    mutating func outcome() -> PageOutcome {
        var out = PageOutcome()
        limits.artifactsSaved = page.limits.artifactsSaved
        touches = [:]
        for a in newArtifacts where a.inserted {
            limits.touchedContainers.insert(a.container)
            limits.artifactsSaved[a.container, default: 0] += 1
            let startTime = page.entries[a.entry].artifacts[a.index].startTime
            let start = (startTime ?? now).microseconds
            let end = (page.entries[a.entry].artifacts[a.index].endTime ?? startTime ?? now).microseconds
            var t = touches[a.container] ?? Touch(earliest: start, latest: end)
            t.added += 1
            t.earliest = min(t.earliest, start)
            t.latest = max(t.latest, end)
            touches[a.container] = t
        }
        out.containers = entryContainers.map { .init(id: $0.id, outcome: $0.createdNow ? .new : .duplicate, closed: $0.closed) }
        out.artifacts = entryArtifacts.map { slots in
            slots.map { slot in
                switch slot {
                case .duplicate(let c):
                    return .init(id: nil, container: containerId(c), outcome: .duplicate)
                case .planned(let n):
                    let a = newArtifacts[n]
                    return a.inserted ? .init(id: a.id, container: a.container, outcome: .new)
                        : .init(id: nil, container: a.container, outcome: .duplicate)
                }
            }
        }
        var s = summary
        s.artifactsNew = newArtifacts.count(where: \.inserted)
        s.artifactsDuplicate = out.artifacts.reduce(0) { $0 + $1.count } - s.artifactsNew
        s.quarantined = page.quarantine.count
        if let stop = stoppedAtEntry {
            s.deferred = page.entries.count - stop
            s.records = max(0, page.records - s.deferred)
        } else {
            s.records = page.records
        }
        out.summary = s
        out.stoppedAtEntry = stoppedAtEntry
        out.limits = limits
        return out
    }
}
