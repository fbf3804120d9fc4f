import ArgumentParser

/// The exit statuses of every command (documented in the README):
/// 0 success; 1 the work failed (a poll or test failed, problems were found); 64 bad command-line
/// usage (ArgumentParser's validation errors); 69 the store cannot be opened; 78 the configuration is invalid.
enum ExitStatus {
    static let failure = ExitCode(1)
    static let usage = ExitCode(64)
    static let storeUnavailable = ExitCode(69)
    static let configuration = ExitCode(78)
}
