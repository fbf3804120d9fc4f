// intake-bench-mapping: how fast the compiled mapper turns already-parsed records into a
// container and CEF artifacts, including each artifact's canonical JSON and SHA-256 hash.
// No I/O is timed: the feed is read and parsed first. One thread.
//
//   intake-bench-mapping FEED_DIR MAPPING [--records N] [--runs 3]
//
// Prints `intake_rec_s=N records=N artifacts=N hash_only_rec_s=N sha_floor_rec_s=N
// write_hash_rec_s=N body_bytes=N sha=sha-ni|swift-crypto allocator=…` (medians of the runs).
import CIntakeAllocator
import Foundation
import IntakeCore
import IntakeMapping

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("intake-bench-mapping: \(message)\n".utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
var limit = 0
var runs = 3
var positional: [String] = []
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--records":
        guard let n = Int(args.isEmpty ? "" : args.removeFirst()) else { fail("--records needs a number") }
        limit = n
    case "--runs":
        guard let n = Int(args.isEmpty ? "" : args.removeFirst()) else { fail("--runs needs a number") }
        runs = max(1, n)
    default: positional.append(a)
    }
}
guard positional.count == 2 else { fail("usage: intake-bench-mapping FEED_DIR MAPPING [--records N] [--runs N]") }
let feed = positional[0]

let mapping: Mapping
do {
    mapping = try Mapping.load(path: positional[1])
} catch {
    fail(error.description)
}

var records: [JSONValue] = []
let pagesDir = feed + "/pages"
let pages = ((try? FileManager.default.contentsOfDirectory(atPath: pagesDir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
guard !pages.isEmpty else { fail("no pages in \(pagesDir); generate them with ../shared/bench/gen_events.py") }
for p in pages {
    guard let data = FileManager.default.contents(atPath: pagesDir + "/" + p) else { fail("cannot read \(p)") }
    do {
        guard let items = try JSONParser.parse([UInt8](data))["data"]?.arrayValue else { fail("\(p) has no data array") }
        records.append(contentsOf: items)
    } catch {
        fail("\(p): \(error)")
    }
    if limit > 0 && records.count >= limit { break }
}
if limit > 0 && records.count > limit { records.removeLast(records.count - limit) }

let context = MappingContext(asset: ["name": "bench"], now: Timestamp(microseconds: 1_714_521_600_000_000))
var rates: [Double] = []
var artifacts = 0
var sink: UInt8 = 0
let clock = ContinuousClock()
for _ in 0..<runs {
    artifacts = 0
    let start = clock.now
    // As a poll maps a page: the records in order, their artifacts hashed two at a time.
    mapping.apply(records, context: context) { _, outcome in
        switch consume outcome {
        case .success(let m):
            artifacts += m.artifacts.count
            // Read in place: `for a in m.artifacts` would copy each draft (the harness's cost, not the mapper's).
            for i in m.artifacts.indices { sink ^= m.artifacts[i].hash.utf8.first ?? 0 }
        case .failure(let error):
            fail("record failed to map: \(error)")
        }
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    rates.append(Double(records.count) / seconds)
}
let median = rates.sorted()[rates.count / 2]

// For comparison: the floor set by hashing alone (canonical JSON + SHA-256 of each raw record).
var hashRates: [Double] = []
for _ in 0..<runs {
    let start = clock.now
    for r in records { sink ^= Digest.canonicalSHA256(r).utf8.first ?? 0 }
    let elapsed = clock.now - start
    hashRates.append(Double(records.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
}
let hashMedian = hashRates.sorted()[hashRates.count / 2]

// The ceiling SHA-256 itself sets: the canonical bodies of the first records' artifacts written
// beforehand (few enough to stay in cache, as the mapper's scratch does), then only hashed, two at
// a time and to hex as the mapper hashes them, cycled over as many records as were mapped.
var bodies: [[UInt8]] = []
var bodiesPerRecord = 0.0
// The same records' artifacts as drafts, by record, for the figure after this one.
var sampleDrafts: [[ArtifactDraft]] = []
do {
    let sample = records.prefix(min(records.count, 512))
    mapping.apply(sample, context: context) { _, outcome in
        guard case .success(let m) = consume outcome else { return }
        sampleDrafts.append(m.artifacts)
        for i in m.artifacts.indices {
            let body = JSONWriter.canonicalBytes(.object(m.artifacts[i].body))
            // The floor must hash exactly what the mapper hashes.
            guard body.withUnsafeBufferPointer({ Digest.sha256Hex($0) }) == m.artifacts[i].hash else {
                fail("an artifact's body does not hash to its hash")
            }
            bodies.append(body)
        }
    }
    bodiesPerRecord = Double(bodies.count) / Double(max(sample.count, 1))
}
var shaRates: [Double] = []
if bodies.count >= 2 {
    let pairs = bodies.count / 2
    for _ in 0..<runs {
        let rounds = max(1, Int((Double(records.count) * bodiesPerRecord / 2 / Double(pairs)).rounded()))
        let start = clock.now
        for _ in 0..<rounds {
            for p in 0..<pairs {
                bodies[2 * p].withUnsafeBufferPointer { a in
                    bodies[2 * p + 1].withUnsafeBufferPointer { b in
                        sink ^= Digest.sha256HexPair(a, b).0.utf8.first ?? 0
                    }
                }
            }
        }
        let elapsed = clock.now - start
        let hashed = Double(rounds * pairs * 2) / bodiesPerRecord
        shaRates.append(hashed / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
}
let shaMedian = shaRates.isEmpty ? 0 : shaRates.sorted()[shaRates.count / 2]

// What the mapper's output costs to hash once it is built: the same drafts' bodies written by the
// canonical writer (its plans warm) and hashed as the mapper hashes them (single-artifact records'
// drafts two at a time, a record's several drafts together), cycled over as many records as were
// mapped. Mapping at the target's rate leaves 2 µs per record minus this for the mapper itself.
var writeRates: [Double] = []
if !sampleDrafts.isEmpty {
    let single = sampleDrafts.allSatisfy { $0.count == 1 }
    var flat = sampleDrafts.flatMap { $0 }
    for _ in 0..<runs {
        let rounds = max(1, records.count / sampleDrafts.count)
        let start = clock.now
        for _ in 0..<rounds {
            if single {
                flat.withUnsafeMutableBufferPointer { d in
                    var i = 0
                    while i + 1 < d.count {
                        ArtifactDraft.hashPair(d.baseAddress! + i, d.baseAddress! + i + 1)
                        i += 2
                    }
                    if i < d.count { d[i].rehash() }
                }
            } else {
                for r in sampleDrafts.indices {
                    sampleDrafts[r].withUnsafeMutableBufferPointer { ArtifactDraft.hashAll($0) }
                }
            }
        }
        let elapsed = clock.now - start
        writeRates.append(Double(rounds * sampleDrafts.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
    }
    sink ^= flat[0].hash.utf8.first ?? 0
}
let writeMedian = writeRates.isEmpty ? 0 : writeRates.sorted()[writeRates.count / 2]
let bodyBytes = bodies.isEmpty ? 0 : bodies.reduce(0) { $0 + $1.count } / bodies.count
// The allocator `intake` itself runs on (Package.swift): jemalloc unless built with INTAKE_ALLOCATOR=system.
let allocator = intake_jemalloc_version().map { "jemalloc-" + String(cString: $0).prefix(while: { $0 != "-" }) } ?? "system"
print("intake_rec_s=\(Int(median)) records=\(records.count) artifacts=\(artifacts) hash_only_rec_s=\(Int(hashMedian)) sha_floor_rec_s=\(Int(shaMedian)) write_hash_rec_s=\(Int(writeMedian)) body_bytes=\(bodyBytes) sha=\(Digest.hardwareSHA256 ? "sha-ni" : "swift-crypto") allocator=\(allocator) sink=\(sink)")
