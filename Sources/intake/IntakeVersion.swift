/// The version `intake --version` prints. Bump it with each release; the git commit is not
/// embedded (that would need a build plugin, and every CI build would pay for it).
enum IntakeVersion {
    static let number = "0.1.0"
    static var description: String { number }
}
