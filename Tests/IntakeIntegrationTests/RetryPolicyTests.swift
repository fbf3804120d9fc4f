@testable import IntakeHTTP
import IntakeCore
import Testing

@Suite("retry decisions")
struct RetryPolicyTests {
    @Test("backoff grows exponentially with jitter and stays under the cap", arguments: [1, 2, 3, 4, 10])
    func backoff(attempt: Int) {
        let p = RetryPolicy(maxAttempts: 20, baseDelay: .seconds(1), maxDelay: .seconds(30))
        let full = min(Double(1 << min(attempt - 1, 30)), 30)
        let low = p.delay(afterAttempt: attempt, retryAfter: nil, random: 0).seconds
        let high = p.delay(afterAttempt: attempt, retryAfter: nil, random: 1).seconds
        #expect(low == full / 2)
        #expect(high == full)
    }

    @Test("Retry-After is honoured up to the cap")
    func retryAfterCap() {
        let p = RetryPolicy(maxDelay: .seconds(30))
        #expect(p.delay(afterAttempt: 1, retryAfter: .seconds(7), random: 0.3) == .seconds(7))
        #expect(p.delay(afterAttempt: 1, retryAfter: .seconds(3600), random: 0.3) == .seconds(30))
    }

    @Test("Retry-After in seconds and as an HTTP date")
    func retryAfterParsing() throws {
        let now = try #require(Timestamp.utc(year: 2026, month: 11, day: 21, hour: 10))
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse("Sat, 21 Nov 2026 10:00:45 GMT", now: now) == .seconds(45))
        #expect(RetryAfter.parse("Sat, 21 Nov 2026 09:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
    }
}
