import Foundation
import IntakeConnectors
import IntakeCore
import Testing

@Suite("Secrets from the process environment")
struct SecretResolverTests {
    static let asset = AssetConfiguration(name: "lab", app: "scripted", configuration: ["token": "env:X"], file: "assets/lab.yaml")

    @Test("without an environment given, env: reads the process's environment at each look-up")
    func processEnvironment() throws {
        let name = "INTAKE_TEST_SECRET_\(UInt32.random(in: 0...UInt32.max))"
        let resolver = SecretResolver(directory: NSTemporaryDirectory())
        #expect(throws: IntakeError.self) { try resolver.resolve("env:\(name)", key: "token", asset: Self.asset) }
        #expect(resolver.describe("env:\(name)") == "env:\(name) (not set)")
        setenv(name, "  s3cret \n", 1)
        defer { unsetenv(name) }
        #expect(try resolver.resolve("env:\(name)", key: "token", asset: Self.asset) == "s3cret")
        #expect(resolver.describe("env:\(name)") == "env:\(name) (set)")
        // A given environment is used instead of the process's.
        let given = SecretResolver(directory: NSTemporaryDirectory(), environment: [name: "other"])
        #expect(try given.resolve("env:\(name)", key: "token", asset: Self.asset) == "other")
    }
}
