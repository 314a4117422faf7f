import Dispatch
import Foundation

/// Runs blocking or CPU-heavy work (SQLite, LAPACK, the policy analyser) off the caller's
/// executor, on a queue of its own, so that a server's event loops and Swift's cooperative pool
/// never wait on it. Each use case's async entry point goes through here.
enum Offload {
    /// The queue heavy work runs on: concurrent, at user-initiated priority; GCD bounds its
    /// threads, and the use cases themselves are single-threaded.
    static let queue = DispatchQueue(label: "tandem.service.work", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(ServiceError) -> T) async throws(ServiceError) -> T {
        let result: Result<T, ServiceError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(ServiceError) -> T in try work() })
            }
        }
        return try result.get()
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}

/// A short pause before computing again when the store changed meanwhile: growing with the
/// attempt, and random, so that writers that collided do not collide again in step.
enum Backoff {
    static func pause(_ attempt: Int) {
        let base = 0.02 * Double(1 << min(attempt, 6))
        Thread.sleep(forTimeInterval: Double.random(in: base / 2...base))
    }
}
