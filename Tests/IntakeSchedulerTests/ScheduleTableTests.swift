import IntakeCore
import IntakeScheduler
import Testing

/// The scheduler's decisions, driven by explicit times: catch-up, no doubling, concurrency, reload.
@Suite struct ScheduleTableTests {
    static let t0 = Timestamp.utc(year: 2024, month: 5, day: 20, hour: 12)!
    static func at(_ seconds: Int64) -> Timestamp { t0.adding(.seconds(seconds)) }
    static func asset(_ name: String, interval: IntakeDuration = .minutes(5)) -> AssetConfiguration {
        AssetConfiguration(name: name, app: "http_json", ingest: IngestSettings(schedule: ScheduleSettings(interval: interval)))
    }
    static let fiveMinutes = Schedule(kind: .interval(.minutes(5)))

    @Test func aNewAssetPollsAtOnceAndThenOnItsSchedule() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: nil, now: Self.t0)
        #expect(table.takeDue(now: Self.t0, limit: 4) == ["a"])
        #expect(table.takeDue(now: Self.t0, limit: 4) == [], "never twice at once")
        table.finished("a", now: Self.at(10))
        #expect(table.entries["a"]?.next == Self.at(300))
        #expect(table.takeDue(now: Self.at(299), limit: 4) == [])
        #expect(table.takeDue(now: Self.at(300), limit: 4) == ["a"])
    }

    @Test func afterDowntimeOneCatchUpPollRunsNotOnePerMissedFire() {
        var table = ScheduleTable()
        // Last success three hours ago: 36 fires were missed.
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(-3 * 3600), now: Self.t0)
        #expect(table.takeDue(now: Self.t0, limit: 4) == ["a"])
        table.finished("a", now: Self.at(20))
        #expect(table.entries["a"]?.next == Self.at(300))
    }

    @Test func noMissedFireMeansWaitingForTheNextOne() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(10), now: Self.at(60))
        #expect(table.entries["a"]?.next == Self.at(300))
    }

    @Test func aSlowPollIsNotDoubledTheNextStartsRightAfterIt() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: nil, now: Self.t0)
        _ = table.takeDue(now: Self.t0, limit: 1)
        // The poll ran 12 minutes: the fires at +5m and +10m passed while it ran.
        #expect(table.takeDue(now: Self.at(600), limit: 4) == [])
        table.finished("a", now: Self.at(720))
        #expect(table.entries["a"]?.next == Self.at(720))
        #expect(table.takeDue(now: Self.at(720), limit: 4) == ["a"])
        table.finished("a", now: Self.at(730))
        #expect(table.entries["a"]?.next == Self.at(900))
    }

    @Test("a poll that started late, after waiting for a slot, covers the fires before its start: no poll right after it")
    func aLateStartCoversTheFiresBeforeIt() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(-10), now: Self.t0)
        // Due at once, taken only at +10m01s: its window reaches past the fires at +5m and +10m.
        #expect(table.takeDue(now: Self.at(601), limit: 1) == ["a"])
        table.finished("a", now: Self.at(605))
        #expect(table.entries["a"]?.next == Self.at(900))
        #expect(table.takeDue(now: Self.at(605), limit: 4) == [])
        // A fire that passes while the late poll runs still brings one poll right after it.
        #expect(table.takeDue(now: Self.at(900), limit: 1) == ["a"])
        table.finished("a", now: Self.at(1210))
        #expect(table.entries["a"]?.next == Self.at(1210))
    }

    @Test func theConcurrencyLimitTakesTheEarliestFiresFirst() {
        var table = ScheduleTable()
        for name in ["c", "a", "b"] { table.set(Self.asset(name), schedule: Self.fiveMinutes, lastSuccess: nil, now: Self.t0) }
        #expect(table.takeDue(now: Self.t0, limit: 2) == ["a", "b"])
        #expect(table.runningCount == 2)
        #expect(table.takeDue(now: Self.t0, limit: 0) == [])
        #expect(table.takeDue(now: Self.t0, limit: 1) == ["c"])
    }

    @Test func reloadKeepsUnchangedAssetsReschedulesChangedOnesAndDropsRemovedOnes() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(-60), now: Self.t0)
        table.set(Self.asset("b"), schedule: Self.fiveMinutes, lastSuccess: Self.at(-60), now: Self.t0)
        let before = table.entries["a"]?.next
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(-60), now: Self.at(100))
        #expect(table.entries["a"]?.next == before)
        let hourly = Schedule(kind: .interval(.hours(1)))
        table.set(Self.asset("b", interval: .hours(1)), schedule: hourly, lastSuccess: Self.at(-60), now: Self.at(100))
        #expect(table.entries["b"]?.next == Self.at(3600 * 1))  // t0 is on the hour
        table.remove("a")
        #expect(table.entries["a"] == nil)
        #expect(table.nextWake == Self.at(3600))
    }

    @Test func aFireHeldByAnotherProcessIsSkippedToTheNextOne() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(10), now: Self.at(20))
        #expect(table.takeDue(now: Self.at(300), limit: 4) == ["a"])
        table.skipped("a", now: Self.at(301))
        #expect(table.entries["a"]?.next == Self.at(600))
    }

    @Test("a large fleet comes due in fire order, each fire once, at the first look after its time")
    func fleetInFireOrder() {
        var table = ScheduleTable()
        let jitter = IntakeDuration.seconds(60)
        var fires: [String: Timestamp] = [:]
        for i in 0..<2000 {
            let name = "a\(i)"
            let schedule = Schedule(kind: .interval(.minutes(1)), jitterOffset: Schedule.jitterOffset(asset: name, jitter: jitter))
            table.set(Self.asset(name, interval: .minutes(1)), schedule: schedule, lastSuccess: Self.t0, now: Self.t0)
            fires[name] = schedule.next(after: Self.t0)
        }
        #expect(table.nextWake == fires.values.min())
        var taken: [String: Int] = [:]
        var last = Self.t0
        // Look every 250 ms for three minutes; each poll finishes at once.
        for step in 1...720 {
            let now = Self.t0.adding(microseconds: Int64(step) * 250_000)
            let due = table.takeDue(now: now, limit: .max)
            let times = due.map { table.entries[$0]!.running! }
            #expect(times == times.sorted(), "earliest fire first")
            for (name, fire) in zip(due, times) {
                #expect(fire <= now && fire > last, "\(name) fired at \(fire), taken at \(now)")
                taken[name, default: 0] += 1
            }
            #expect(table.runningCount == due.count)
            for name in due { table.finished(name, now: now) }
            #expect(table.runningCount == 0)
            last = now
        }
        #expect(taken.count == 2000)
        #expect(taken.values.allSatisfy { $0 == 3 }, "one fire a minute: \(Set(taken.values))")
    }

    @Test("a changed or removed asset's old fire time is not taken")
    func staleFiresAreSkipped() {
        var table = ScheduleTable()
        table.set(Self.asset("a"), schedule: Self.fiveMinutes, lastSuccess: Self.at(10), now: Self.at(20))
        table.set(Self.asset("b"), schedule: Self.fiveMinutes, lastSuccess: Self.at(10), now: Self.at(20))
        #expect(table.nextWake == Self.at(300))
        table.set(Self.asset("a", interval: .hours(1)), schedule: Schedule(kind: .interval(.hours(1))), lastSuccess: Self.at(10),
                  now: Self.at(20))
        table.remove("b")
        #expect(table.takeDue(now: Self.at(300), limit: 10) == [], "a moved to the hour, b is gone")
        #expect(table.nextWake == Self.at(3600))
        #expect(table.takeDue(now: Self.at(3600), limit: 10) == ["a"])
        #expect(table.nextWake == nil, "a runs")
        table.remove("a")
        #expect(table.runningCount == 0)
    }
}
