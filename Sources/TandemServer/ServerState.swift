import Crypto
import Foundation
import Synchronization
import TandemCore
import TandemEngine
import TandemService
import TandemStore

/// What every request shares: the open store, the catalogue that decides who sees what (read
/// again after an import or a run), and the sign-in limiter.
public final class ServerState: Sendable {
    public let configuration: ServerConfiguration
    public let store: any Store
    let cache = Mutex<CachedCatalogue?>(nil)
    let limiter: SignInLimiter
    /// What-if reports by runs, scenario name and text; one what-if computed at a time.
    let whatIfCache = Mutex<[String: WhatIfReport]>([:])
    let whatIfGate = Gate()
    let cursors = CursorSeal()
    /// Page cursors as the client sees them: sealed (AES-GCM, a key of this process), so that a
/// cursor, which may stop on an alert the viewer may not see, tells nothing of it, and cannot be
/// forged. A server restarted forgets the key: old "next page" links then ask to start again.
struct CursorSeal: Sendable {
    let key = SymmetricKey(size: .bits256)

    func seal(_ cursor: AlertPageCursor) -> String {
        guard let box = try? AES.GCM.seal(Data(cursor.token.utf8), using: key), let combined = box.combined else { return "" }
        return combined.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func open(_ token: String) -> AlertPageCursor? {
        guard token.count < 400 else { return nil }
        var base = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        guard let data = Data(base64Encoded: base), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key) else { return nil }
        return AlertPageCursor(token: String(decoding: plain, as: UTF8.self))
    }
}

/// The policy page's findings by the runs they were computed on.
    let policyCache = Mutex<(stamp: CatalogueStamp, value: PolicyFindings)?>(nil)

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

    /// The catalogue as of the latest import and run. One request checks or reads it at a
    /// time; the others wait for that one (a cold server's first requests do not each read a
    /// large organisation at once).
    func catalogue() async throws(ServiceError) -> Catalogue {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), cached.checked.duration(to: now) < Self.catalogueCheck { return cached.catalogue }
        let (task, mine) = refresh.withLock { current -> (Task<Catalogue, any Error>, Bool) in
            if let current { return (current, false) }
            let store = self.store
            let previous = cache.withLock { $0?.catalogue }
            let task = Task { () throws -> Catalogue in
                try await TandemService.blocking { () throws(ServiceError) -> Catalogue in
                    if let previous {
                        let stamp = try storeCall { () throws(StoreError) in try store.catalogueStamp() }
                        if stamp == previous.stamp { return previous }
                    }
                    return try Catalogue.load(store: store)
                }
            }
            current = task
            return (task, true)
        }
        let result = await task.result
        if mine {
            if case .success(let fresh) = result { cache.withLock { $0 = CachedCatalogue(catalogue: fresh, checked: ContinuousClock.now) } }
            refresh.withLock { $0 = nil }
        }
        switch result {
        case .success(let catalogue): return catalogue
        case .failure(let error as ServiceError): throw error
        case .failure(let error): throw .refused("the store could not be read: \(error)")
        }
    }

    private let refresh = Mutex<Task<Catalogue, any Error>?>(nil)

    /// Forgets the catalogue (after a write this server made).
    public func invalidate() { cache.withLock { $0 = nil } }
}

/// The policy page's findings: the check's lines, and the diff against the previous version.
struct PolicyFindings: Sendable {
    var check: [String]
    var diff: PolicyComparison?
}

/// Lets one piece of work run at a time; the others wait their turn (in order).
actor Gate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
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

    private let reported = Mutex<[String: Int64]>([:])

    /// Takes an attempt for `keys`, counted as a failure until ``succeed(_:now:)`` says otherwise:
    /// nil when it may go on, or the seconds until they may try again. Taken before the password
    /// is checked, in one step, so that attempts sent at once cannot all slip in before any is
    /// counted.
    func attempt(_ keys: [String], now: Int64) -> Int64? {
        failures.withLock { table in
            var longest: Int64?
            for key in keys {
                let recent = (table[key] ?? []).filter { now - $0 < window }
                table[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit(key), let oldest = recent.first {
                    longest = max(longest ?? 0, oldest + window - now)
                }
            }
            if longest == nil {
                for key in keys { table[key, default: []].append(now) }
            }
            // Bounded: an attacker spraying addresses does not grow it without end.
            if table.count > 100_000 { table = table.filter { $0.value.contains { now - $0 < window } } }
            return longest
        }
    }

    /// A right password: the attempts taken are given back.
    func succeed(_ keys: [String], now: Int64) {
        failures.withLock { table in
            for key in keys {
                guard var list = table[key], !list.isEmpty else { continue }
                if let i = list.lastIndex(of: now) { list.remove(at: i) } else { list.removeLast() }
                table[key] = list.isEmpty ? nil : list
            }
        }
    }

    /// Whether a refusal of `key` should go to the audit log: once a window, not once a request.
    func shouldReport(_ key: String, now: Int64) -> Bool {
        reported.withLock { table in
            if let last = table[key], now - last < window { return false }
            if table.count > 10_000 { table = table.filter { now - $0.value < window } }
            table[key] = now
            return true
        }
    }
}
