#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs blocking work (a libcurl transfer) on a thread of its own, outside both Swift's cooperative
/// pool and Dispatch's worker pool.
///
/// A transfer can block for as long as a slow server likes. Parked on Dispatch's workers, a dozen of
/// them count against the pool that Dispatch on Linux also feeds Swift's cooperative threads from, and
/// under that pressure async code was seen to stop being scheduled at all. A thread per transfer costs
/// tens of microseconds, nothing beside a request.
enum BlockingThread {
    private final class Job {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread; if no thread can be had, runs it on the caller's.
    static func run(_ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, job)
        pthread_attr_destroy(&attributes)
        if status != 0 {
            Unmanaged<Job>.fromOpaque(job).takeRetainedValue().body()
        }
    }
}
