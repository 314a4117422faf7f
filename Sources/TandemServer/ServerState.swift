import Foundation
import Synchronization
import TandemCore
import TandemService
import TandemStore

/// What every request shares: the open store, the catalogue that decides who sees what (read
/// again after an import or a run), and the sign-in limiter.
public final class ServerState: Sendable {
    public let configuration: ServerConfiguration
    public let store: any Store
    let cache = Mutex<CachedCatalogue?>(nil)
    let limiter: SignInLimiter

    struct CachedCatalogue {
        var catalogue: Catalogue
        var checked: ContinuousClock.Instant
    }

    /// How long a catalogue is used before the store is asked whether an import or a run
    /// changed it.
    static let catalogueCheck: Duration = .seconds(1)

    public init(configuration: ServerConfiguration, store: any Store) {
        self.configuration = configuration
        self.store = store
        limiter = SignInLimiter(attempts: configuration.signInAttempts, window: configuration.signInWindow)
    }

    /// The catalogue as of the latest import and run.
    func catalogue() async throws(ServiceError) -> Catalogue {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), cached.checked.duration(to: now) < Self.catalogueCheck { return cached.catalogue }
        let store = self.store
        let previous = cache.withLock { $0?.catalogue }
        let fresh = try await TandemService.blocking { () throws(ServiceError) -> Catalogue in
            if let previous {
                let stamp = try storeCall { () throws(StoreError) in try store.catalogueStamp() }
                if stamp == previous.stamp { return previous }
            }
            return try Catalogue.load(store: store)
        }
        cache.withLock { $0 = CachedCatalogue(catalogue: fresh, checked: now) }
        return fresh
    }

    /// Forgets the catalogue (after a write this server made).
    public func invalidate() { cache.withLock { $0 = nil } }
}

func storeCall<T>(_ body: () throws(StoreError) -> T) throws(ServiceError) -> T {
    do { return try body() } catch { throw .store(error) }
}

/// Counts failed sign-ins per account and per address in a sliding window; past the limit,
/// a sign-in is refused before its password is checked. An address may fail four times as
/// often as an account (an office behind one address signs in from it). Kept in memory: a
/// restart forgets (the audit log keeps every failure).
final class SignInLimiter: Sendable {
    let attempts: Int
    let window: Int64
    private let failures = Mutex<[String: [Int64]]>([:])

    init(attempts: Int, window: Int64) {
        self.attempts = attempts
        self.window = window
    }

    /// The keys of a sign-in: its account's and its address's.
    static func keys(email: String, address: String) -> [String] { ["account:" + email, "address:" + address] }

    func limit(_ key: String) -> Int { key.hasPrefix("address:") ? attempts * 4 : attempts }

    /// Seconds until `keys` may try again, or nil when they may now.
    func wait(_ keys: [String], now: Int64) -> Int64? {
        failures.withLock { table in
            var longest: Int64?
            for key in keys {
                let recent = (table[key] ?? []).filter { now - $0 < window }
                table[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit(key), let oldest = recent.first {
                    longest = max(longest ?? 0, oldest + window - now)
                }
            }
            return longest
        }
    }

    func fail(_ keys: [String], now: Int64) {
        failures.withLock { table in
            for key in keys { table[key, default: []].append(now) }
            // Bounded: an attacker spraying addresses does not grow it without end.
            if table.count > 100_000 { table = table.filter { $0.value.contains { now - $0 < window } } }
        }
    }

    func succeed(_ keys: [String]) {
        failures.withLock { table in for key in keys { table[key] = nil } }
    }
}
