import Foundation
import Synchronization
import IntakeCore
import IntakeMapping
import IntakeStore

extension PollRunner {
    /// Records per lane at least before a page's mapping is split across cores.
    static let recordsPerLane = 128
    /// How many parts of a page are mapped at once: one per core, at most four.
    static let mappingLanes = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))

    /// What mapping a page's records gave, in record order.
    struct MappedPage: Sendable {
        var entries: [PageWrite.Entry] = []
        var quarantine: [QuarantineEntry] = []
    }

    /// Maps a page's records, a large page in parts on up to `lanes` cores at once; the entries and
    /// quarantine entries come back in record order either way.
    static func mapPage(_ records: [JSONValue], mapping: Mapping, context: MappingContext, sourceIds: Set<String>,
                        asset: String, runId: Int64, at time: Timestamp, encodeAhead: Bool = false,
                        lanes: Int = mappingLanes) async -> MappedPage {
        let lanes = min(lanes, records.count / recordsPerLane)
        if lanes <= 1 {
            return mapRecords(records[...], mapping: mapping, context: context, sourceIds: sourceIds, asset: asset, runId: runId,
                              at: time, encodeAhead: encodeAhead)
        }
        let size = (records.count + lanes - 1) / lanes
        return await withTaskGroup(of: (Int, MappedPage).self) { group in
            for lane in 0..<lanes {
                let part = records[min(records.count, lane * size)..<min(records.count, (lane + 1) * size)]
                group.addTask {
                    (lane, mapRecords(part, mapping: mapping, context: context, sourceIds: sourceIds, asset: asset, runId: runId,
                                      at: time, encodeAhead: encodeAhead))
                }
            }
            var parts = [MappedPage](repeating: MappedPage(), count: lanes)
            for await (lane, part) in group { parts[lane] = part }
            var page = MappedPage()
            page.entries.reserveCapacity(records.count)
            for part in parts {
                page.entries += part.entries
                page.quarantine += part.quarantine
            }
            return page
        }
    }

    /// Maps records one after another: an entry per mapped record (unless `sourceIds` leaves it
    /// out), a quarantine entry per record the mapping cannot produce. `encodeAhead` writes the
    /// entries' stored JSON here too (see ``PageWrite/Entry/init(container:artifacts:encodeAhead:)``).
    static func mapRecords(_ records: ArraySlice<JSONValue>, mapping: Mapping, context: MappingContext, sourceIds: Set<String>,
                           asset: String, runId: Int64, at time: Timestamp, encodeAhead: Bool = false) -> MappedPage {
        var page = MappedPage()
        page.entries.reserveCapacity(records.count)
        // In record order, the artifacts hashed two at a time (see `Mapping.apply(_:context:_:)`).
        mapping.apply(records, context: context) { i, outcome in
            switch consume outcome {
            case .success(let mapped):
                if !sourceIds.isEmpty && !sourceIds.contains(mapped.container.sourceDataIdentifier) { return }
                page.entries.append(PageWrite.Entry(container: mapped.container, artifacts: mapped.artifacts, encodeAhead: encodeAhead))
            case .failure(let error):
                page.quarantine.append(QuarantineEntry(asset: asset, runId: runId, record: records[i], error: error.description, createdAt: time))
            }
        }
        return page
    }

    /// Whether the mapping stage should write the stored JSON ahead of the save: yes while the
    /// store is taking mostly new artifacts (a first ingest, where the store's one writer is the
    /// slowest stage), no once it finds mostly duplicates (a re-ingest, where that JSON would be
    /// written for nothing). Set by the saving task after each transaction, read by the mapper.
    final class EncodeAhead: Sendable {
        private let state = Mutex(true)
        var value: Bool { state.withLock { $0 } }

        /// Learns from the pages one transaction saved.
        func saved(_ outcomes: [PageOutcome]) {
            var new = 0, duplicate = 0
            for o in outcomes {
                new += o.summary.artifactsNew
                duplicate += o.summary.artifactsDuplicate
            }
            guard new + duplicate > 0 else { return }
            state.withLock { $0 = new >= duplicate }
        }
    }
}
