import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TandemCore
import TandemStore

/// Posts one JSON body to a URL; the webhook's transport (HTTP by default; a test or a front end
/// can give its own).
public protocol WebhookTransport: Sendable {
    /// Posts `body` with the given headers; true when the receiver answered 2xx.
    func post(_ body: Data, to url: URL, headers: [String: String]) async -> Bool
}

/// Refuses every redirect: a webhook that answers 3xx has not taken the post, and following it
/// could carry the body from https to plain http, or off to another host.
final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// HTTP through URLSession, with a 10-second timeout; redirects are not followed.
public struct HTTPTransport: WebhookTransport {
    public init() {}

    static let session = URLSession(configuration: .ephemeral, delegate: RefuseRedirects(), delegateQueue: nil)

    public func post(_ body: Data, to url: URL, headers: [String: String]) async -> Bool {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        request.timeoutInterval = 10
        // A failed post (refused, timed out, not 2xx) is what the retries are for.
        guard let (_, response) = try? await Self.session.data(for: request), let http = response as? HTTPURLResponse else { return false }
        return (200..<300).contains(http.statusCode)
    }
}

/// What a delivery round did.
public struct DeliveryOutcome: Sendable {
    public var sent = 0
    /// Events not delivered (retried at the next round).
    public var failed = 0
    /// Events taken back (`tandem runs undo`) while they were being delivered.
    public var withdrawn = 0
    /// Set when the store could not be read or a delivery could not be recorded (the round stops there).
    public var error: ServiceError?

    public init() {}
}

/// Delivers the ledger's notifying events (opened, escalated) to a webhook: Slack-compatible
/// JSON, retries with exponential back-off, each event delivered once.
public enum DeliveryService {
    /// Whether `text` is a URL a webhook can be posted to: http or https, a host, a valid port.
    public static func validURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.port.map({ (1...65_535).contains($0) }) ?? true else { return nil }
        return url
    }

    /// The Slack-compatible body for one event: a `text` line for people, a `tandem` object for programs.
    public static func payload(_ e: LedgerEvent) throws -> Data {
        let icon = e.severity == .critical ? "🔴" : (e.severity == .warning ? "🟠" : "🔵")
        let text = "\(icon) [\(e.severity.rawValue)] \(e.kind == .escalated ? "escalated" : "new alert") #\(e.alertID) · \(e.keyResultID) \(e.title) · unit \(e.unitID)\(e.owner.map { " · owner \($0)" } ?? "")\n\(e.reasons)"
        let object: [String: Any] = ["text": text, "tandem": ["event_id": e.id, "alert_id": e.alertID, "kind": e.kind.rawValue,
                                                              "severity": e.severity.rawValue, "kr_id": e.keyResultID, "day": e.day.description]]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Delivers every pending event. When an event fails all its attempts the endpoint is taken
    /// to be down: the rest wait for the next round.
    ///
    /// Delivery is at least once: an event is marked delivered in the store only after the
    /// receiver answered 2xx. Should recording that fail (a full disk, say), the round stops with
    /// an error and the event is posted again at the next round, with the same `Idempotency-Key`
    /// (`tandem-event-<id>`), by which the receiver can drop the repeat.
    ///
    /// - Parameter firstDelay: seconds before the first retry, 0 to 60; each further one waits twice as long.
    public static func deliver(store: any Store, url: String, transport: any WebhookTransport = HTTPTransport(),
                               attempts: Int = 5, firstDelay: Double = 0.5) async -> DeliveryOutcome {
        var outcome = DeliveryOutcome()
        guard let endpoint = validURL(url) else {
            outcome.error = .invalidRequest("a webhook takes an http:// or https:// URL, found '\(url)'")
            return outcome
        }
        let pending: [LedgerEvent]
        do { pending = try await Offload.run { () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.pendingDeliveries(url: url) } } } catch {
            outcome.error = error
            return outcome
        }
        for (n, event) in pending.enumerated() {
            var delivered = false, withdrawn = false
            // Taken back (`tandem runs undo`) since the list was read: not posted at all.
            do {
                if try await Offload.run({ () throws(ServiceError) in try storeCall { () throws(StoreError) in try store.eventExists(event.id) } }) == false {
                    outcome.withdrawn += 1
                    continue
                }
            } catch {
                outcome.error = error
                outcome.failed = pending.count - n
                return outcome
            }
            let body: Data
            do { body = try payload(event) } catch {
                outcome.error = .refused("event \(event.id) cannot be put into JSON: \(error)", location: store.location)
                return outcome
            }
            var delay = min(max(firstDelay, 0), 60)
            for attempt in 1...max(attempts, 1) {
                delivered = await transport.post(body, to: endpoint, headers: ["Content-Type": "application/json",
                                                                               "Idempotency-Key": "tandem-event-\(event.id)"])
                let recorded: Bool
                do {
                    recorded = try await Offload.run { [delivered] () throws(ServiceError) in
                        try storeCall { () throws(StoreError) in try store.recordDelivery(event: event.id, url: url, delivered: delivered) }
                    }
                } catch {
                    if case .store(var e) = error, delivered {
                        e.message += "; event \(event.id) was delivered but could not be recorded, so the next run posts it again with the same Idempotency-Key"
                        outcome.error = .store(e)
                    } else {
                        outcome.error = error
                    }
                    outcome.failed = pending.count - n - (delivered ? 1 : 0)
                    if delivered { outcome.sent += 1 }
                    return outcome
                }
                if !recorded {
                    withdrawn = true
                    break
                }
                if delivered { break }
                if attempt < attempts {
                    // Cancellation is the only way a sleep fails; then stop waiting and move on.
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    delay *= 2
                }
            }
            if delivered {
                outcome.sent += 1
            } else if withdrawn {
                // Taken back while being posted: the receiver may have it, the ledger does not.
                outcome.withdrawn += 1
            } else {
                outcome.failed = pending.count - n
                break
            }
        }
        return outcome
    }
}

/// A store call whose failure becomes a service error.
@inline(__always)
func storeCall<T>(_ body: () throws(StoreError) -> T) throws(ServiceError) -> T {
    do { return try body() } catch { throw .store(error) }
}
