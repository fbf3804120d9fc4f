import CIntakeAllocator
import IntakeCore

/// The version `intake --version` prints. Bump it with each release; the git commit is not
/// embedded (that would need a build plugin, and every CI build would pay for it).
enum IntakeVersion {
    static let number = "0.1.0"
    /// The number, the allocator the binary runs on and what computes SHA-256 (artifact hashes):
    /// "0.1.0 (jemalloc 5.3.0, SHA-256 on SHA-NI)", or "0.1.0 (system malloc, SHA-256 on
    /// swift-crypto)" for a build with `INTAKE_ALLOCATOR=system` on a CPU without the SHA extensions.
    static var description: String { "\(number) (\(allocator), SHA-256 on \(Digest.hardwareSHA256 ? "SHA-NI" : "swift-crypto"))" }

    /// "jemalloc 5.3.0" (its release, without the git suffix), or "system malloc".
    static var allocator: String {
        guard let version = intake_jemalloc_version() else { return "system malloc" }
        let release = String(cString: version).prefix { $0 != "-" }
        return "jemalloc \(release)"
    }
}
