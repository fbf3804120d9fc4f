import IntakeCore
import Testing

@Suite("Results kept while a file's text is the same")
struct FileTextCacheTests {
    struct Broken: Error {}

    @Test("the same text reuses the result; any other text, even of the same length, makes it again")
    func reuse() throws {
        let cache = FileTextCache<String>()
        var made = 0
        func load(_ key: String, _ text: String) -> String {
            cache.value(for: key, text: text) { () -> String in
                made += 1
                return text.uppercased()
            }
        }
        #expect(load("a.yaml", "label: events") == "LABEL: EVENTS")
        #expect(load("a.yaml", "label: events") == "LABEL: EVENTS")
        #expect(made == 1)
        #expect(load("a.yaml", "label: alerts") == "LABEL: ALERTS")
        #expect(made == 2)
        // Another file with the same text has its own result.
        #expect(load("b.yaml", "label: alerts") == "LABEL: ALERTS")
        #expect(made == 3)
        // Back to the earlier text: only the last text per file is kept.
        #expect(load("a.yaml", "label: events") == "LABEL: EVENTS")
        #expect(made == 4)
        #expect(cache.count == 2)
    }

    @Test("a failure is not kept: the same broken text is tried, and fails, every time")
    func failuresAreNotKept() {
        let cache = FileTextCache<Int>()
        var tries = 0
        for _ in 0..<2 {
            #expect(throws: Broken.self) {
                try cache.value(for: "a.yaml", text: "{") { () throws(Broken) -> Int in
                    tries += 1
                    throw Broken()
                }
            }
        }
        #expect(tries == 2)
        #expect(cache.count == 0)
        #expect(cache.value(for: "a.yaml", text: "1") { () -> Int in 1 } == 1)
    }
}
