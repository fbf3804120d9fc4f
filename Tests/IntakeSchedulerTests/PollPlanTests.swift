import IntakeCore
import IntakeScheduler
import IntakeStore
import Testing

/// SPEC §3 window arithmetic with an injected clock: no store, no connector.
@Suite struct PollPlanTests {
    static let now = Timestamp.utc(year: 2024, month: 5, day: 20, hour: 12)!

    static func checkpoint(at time: Timestamp?) -> Checkpoint {
        Checkpoint(asset: "a", cursor: time.map { ["time": .string($0.iso8601)] }, firstRun: time == nil, updatedAt: now)
    }

    @Test func firstRunLooksBackTheDefaultTenDaysWithTheFirstRunCap() {
        var ingest = IngestSettings(maxContainers: 50)
        ingest.firstRun.maxContainers = 500
        let plan = PollPlan(checkpoint: nil, ingest: ingest, now: Self.now)
        #expect(plan.window == PollWindow(start: Self.now.subtracting(.days(10)), end: Self.now, isFirstRun: true))
        #expect(plan.windows == [plan.window])
        #expect(plan.containerCap == 500)
    }

    @Test func firstRunUsesTheConfiguredLookbackAndFallsBackToTheRunCap() {
        let ingest = IngestSettings(maxContainers: 50, firstRun: FirstRunSettings(lookback: .hours(6)))
        let plan = PollPlan(checkpoint: nil, ingest: ingest, now: Self.now)
        #expect(plan.window.start == Self.now.subtracting(.hours(6)))
        #expect(plan.containerCap == 50)
    }

    @Test func aCheckpointRowWithoutACursorIsStillAFirstRun() {
        let plan = PollPlan(checkpoint: Self.checkpoint(at: nil), ingest: IngestSettings(), now: Self.now)
        #expect(plan.window.isFirstRun)
    }

    @Test func laterRunsStartAtTheCheckpointWithLagAndOverlap() {
        let cp = Self.now.subtracting(.minutes(5))
        let ingest = IngestSettings(maxContainers: 50, firstRun: FirstRunSettings(maxContainers: 500), lag: .minutes(1),
                                    overlap: .seconds(30))
        let plan = PollPlan(checkpoint: Self.checkpoint(at: cp), ingest: ingest, now: Self.now)
        #expect(plan.window == PollWindow(start: cp.subtracting(.seconds(30)), end: Self.now.subtracting(.minutes(1)), isFirstRun: false))
        #expect(plan.containerCap == 50)
        #expect(plan.window.checkpointCursor == ["time": .string(Self.now.subtracting(.minutes(1)).iso8601)])
    }

    @Test func aCheckpointAheadOfTheLaggedEndGivesAnEmptyWindowThatStillEnds() {
        let cp = Self.now.subtracting(.seconds(10))
        let plan = PollPlan(checkpoint: Self.checkpoint(at: cp), ingest: IngestSettings(lag: .minutes(1)), now: Self.now)
        #expect(plan.window.start == plan.window.end)
        #expect(plan.windows.count == 1)
    }

    @Test func aBacklogLargerThanMaxWindowSplitsIntoContiguousSubWindowsOldestFirst() {
        let cp = Self.now.subtracting(.hours(25))
        let ingest = IngestSettings(overlap: .minutes(10), maxWindow: .hours(6))
        let plan = PollPlan(checkpoint: Self.checkpoint(at: cp), ingest: ingest, now: Self.now)
        #expect(plan.windows.count == 5)
        #expect(plan.windows.first?.start == cp.subtracting(.minutes(10)))
        #expect(plan.windows.last?.end == Self.now)
        for (a, b) in zip(plan.windows, plan.windows.dropFirst()) {
            #expect(a.end == b.start)
            #expect(a.start < a.end)
        }
        #expect(plan.windows.dropLast().allSatisfy { $0.end.microseconds - $0.start.microseconds == IntakeDuration.hours(6).microseconds })
    }

    @Test func onlyTheFirstSubWindowOfAFirstRunIsTheFirstRun() {
        let plan = PollPlan(checkpoint: nil, ingest: IngestSettings(maxWindow: .days(1)), now: Self.now)
        #expect(plan.windows.count == 10)
        #expect(plan.windows.map(\.isFirstRun) == [true] + Array(repeating: false, count: 9))
    }

    @Test func aWindowThatFitsIsNotSplit() {
        let cp = Self.now.subtracting(.hours(6))
        let plan = PollPlan(checkpoint: Self.checkpoint(at: cp), ingest: IngestSettings(maxWindow: .hours(6)), now: Self.now)
        #expect(plan.windows == [plan.window])
    }

    @Test func theContainerCapShrinksAcrossSubWindows() {
        #expect(PollPlan.remaining(10, after: 4) == 6)
        #expect(PollPlan.remaining(10, after: 12) == 0)
        #expect(PollPlan.remaining(nil, after: 12) == nil)
    }

    static func entry(_ sdi: String, at time: Timestamp?) -> PageWrite.Entry {
        PageWrite.Entry(container: ContainerDraft(label: "incident", name: sdi, sourceDataIdentifier: sdi),
                        artifacts: [ArtifactDraft(name: sdi, sourceDataIdentifier: sdi, startTime: time, cef: [:], data: .object([:]))])
    }

    @Test func aLimitStopsTheCheckpointAtTheFirstRecordNotSaved() throws {
        let window = PollWindow(start: Self.now.subtracting(.hours(1)), end: Self.now, isFirstRun: false)
        let t = { (m: Int64) in Self.now.subtracting(.minutes(m)) }
        let entries = [Self.entry("a", at: t(50)), Self.entry("b", at: t(40)), Self.entry("c", at: t(30)), Self.entry("d", at: t(35))]
        let at = try #require(window.checkpointAtEntry(entries, resumable: false))
        #expect(at(1) == ["time": .string(t(40).iso8601)])
        // Records out of order: the earliest one not saved wins, so none is skipped.
        #expect(at(2) == ["time": .string(t(35).iso8601)])
        #expect(at(3) == ["time": .string(t(35).iso8601)])
    }

    @Test func aLimitCheckpointNeverLeavesTheWindow() throws {
        let window = PollWindow(start: Self.now.subtracting(.hours(1)), end: Self.now, isFirstRun: false)
        let early = [Self.entry("a", at: Self.now.subtracting(.hours(3)))]
        let atEarly = try #require(window.checkpointAtEntry(early, resumable: false))
        #expect(atEarly(0) == ["time": .string(window.start.iso8601)])
        let untimed = [Self.entry("a", at: Self.now.subtracting(.minutes(5))), Self.entry("b", at: nil)]
        let atUntimed = try #require(window.checkpointAtEntry(untimed, resumable: false))
        #expect(atUntimed(0) == ["time": .string(window.start.iso8601)])
        #expect(window.checkpointAtEntry(untimed, resumable: true) == nil)
    }
}
