import CIntakeAllocator

/// The version `intake --version` prints. Bump it with each release; the git commit is not
/// embedded (that would need a build plugin, and every CI build would pay for it).
enum IntakeVersion {
    static let number = "0.1.0"
    /// The number and the allocator the binary runs on: "0.1.0 (jemalloc 5.3.0)", or
    /// "0.1.0 (system malloc)" for a build with `INTAKE_ALLOCATOR=system`.
    static var description: String { "\(number) (\(allocator))" }

    /// "jemalloc 5.3.0" (its release, without the git suffix), or "system malloc".
    static var allocator: String {
        guard let version = intake_jemalloc_version() else { return "system malloc" }
        let release = String(cString: version).prefix { $0 != "-" }
        return "jemalloc \(release)"
    }
}
