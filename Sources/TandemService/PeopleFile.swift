import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TandemCore
import TandemStore

/// The catalogue of the people file's diagnostics (ids `N…`, for notifications, which the file
/// routes). N00xx: the file's shape; N01xx: a person's values; N02xx: warnings.
public enum PeopleDiagnostic: DiagnosticMessage {
    case missingColumn(String)
    case unknownColumn(String)
    case repeatedColumn(String)
    case emptyValue(field: String)
    case badEmail(String)
    case repeatedPerson(String)
    case repeatedEmail(String)
    case unknownManager(String)
    case managerCycle(String)
    case unknownUnit(String)
    case unknownTimeZone(String)
    case badCadence(String)
    case badRole(String)
    case badWebhook(field: String, found: String)
    case leadWithoutUnits
    case controlCharacter(field: String)
    case tooLong(field: String, limit: Int)
    case ownsNothing(String)
    case sharedWebhook(field: String, people: String)

    public var id: String {
        switch self {
        case .missingColumn: "N0001"
        case .unknownColumn: "N0002"
        case .repeatedColumn: "N0003"
        case .emptyValue: "N0101"
        case .badEmail: "N0102"
        case .repeatedPerson: "N0103"
        case .repeatedEmail: "N0104"
        case .unknownManager: "N0105"
        case .managerCycle: "N0106"
        case .unknownUnit: "N0107"
        case .unknownTimeZone: "N0108"
        case .badCadence: "N0109"
        case .badRole: "N0110"
        case .badWebhook: "N0111"
        case .leadWithoutUnits: "N0112"
        case .controlCharacter: "N0113"
        case .tooLong: "N0114"
        case .ownsNothing: "N0201"
        case .sharedWebhook: "N0202"
        }
    }

    public var severity: Severity {
        switch self {
        case .ownsNothing, .sharedWebhook: return .warning
        default: break
        }
        return .error
    }

    public var message: String {
        switch self {
        case let .missingColumn(name): "a people file must have a column '\(name)'"
        case let .unknownColumn(name): "'\(name)' is not a column of the people file"
        case let .repeatedColumn(name): "the column '\(name)' appears twice"
        case let .emptyValue(field): "'\(field)' must not be empty"
        case let .badEmail(found): "'email' must be one address like name@example.com, in ASCII (a domain in punycode), found '\(found)'"
        case let .repeatedPerson(name): "'\(name)' is in the file twice"
        case let .repeatedEmail(email): "the address '\(email)' belongs to two people"
        case let .unknownManager(name): "the manager '\(name)' is not a person of the file"
        case let .managerCycle(path): "managers go round in a circle: \(path)"
        case let .unknownUnit(unit): "no unit '\(unit)' in the store"
        case let .unknownTimeZone(zone): "'timezone' must be an IANA time zone like Asia/Shanghai or Europe/Berlin, found '\(zone)'"
        case let .badCadence(found): "'cadence' must be daily or weekly, found '\(found)'"
        case let .badRole(found): "'role' must be member, lead, hr, strategy or admin, found '\(found)'"
        case let .badWebhook(field, found): "'\(field)' must be an https:// webhook URL (http:// only on this machine's loopback), found '\(found)'"
        case .leadWithoutUnits: "a lead must lead units: name them in 'units'"
        case let .controlCharacter(field): "'\(field)' must not hold a line break or another control character"
        case let .tooLong(field, limit): "'\(field)' must be at most \(limit) characters (Unicode scalars)"
        case let .sharedWebhook(field, people): "the \(field) webhook of \(people) is the same: everyone in that channel reads each of their digests, confidential key results included"
        case let .ownsNothing(name): "'\(name)' owns no key result in the store and leads no unit: a digest will only reach them if their role gives them one"
        }
    }
}

/// The people file: `person,email,manager[,units][,timezone][,cadence][,role][,slack][,teams]`.
///
/// - `person`: the name the key-result files' `owner` column uses for them.
/// - `email`: where their email digest goes.
/// - `manager`: the `person` they report to; empty at the top.
/// - `units`: the unit ids they lead, separated by `;`.
/// - `timezone`: IANA (`Asia/Shanghai`); UTC when absent.
/// - `cadence`: `daily` or `weekly` (the default).
/// - `role`: `member`, `lead`, `hr`, `strategy` or `admin`; by default `lead` for a person with
///   units, else `member`. A dashboard account of the same person or email decides instead.
/// - `slack`, `teams`: incoming-webhook URLs for a copy of the digest there.
public enum PeopleFile {
    public static let required = ["person", "email", "manager"]
    public static let optional = ["units", "timezone", "cadence", "role", "slack", "teams"]

    /// Reads and checks a people file against the store's units and key-result owners (nil:
    /// not checked). The people come back only when there is no error.
    public static func read(_ source: SourceFile, units: Set<String>?, owners: Set<String>?) -> Checked<[Person]?> {
        let table = CSVTable.read(source)
        var diagnostics = table.diagnostics
        guard let csv = table.value else { return Checked(nil, diagnostics) }
        func add(_ m: PeopleDiagnostic, _ offset: Int?, length: Int = 1, notes: [Diagnostic.Note] = []) {
            diagnostics.append(Diagnostic(m, at: offset.map(source.location(ofOffset:)) ?? SourceLocation(file: source.path, line: 0, column: 0),
                                          length: length, notes: notes))
        }
        var column: [String: Int] = [:]
        for (i, cell) in csv.header.enumerated() {
            let name = cell.trimmed.lowercased()
            if name.isEmpty && csv.records.allSatisfy({ i >= $0.count || $0[i].isBlank }) { continue }  // an empty trailing column
            if !(required + optional).contains(name) {
                add(.unknownColumn(cell.trimmed), cell.offset, length: max(1, cell.text.count),
                    notes: [Diagnostic.Note("the columns are \((required + optional).joined(separator: ", "))")])
            } else if let first = column[name] {
                add(.repeatedColumn(name), cell.offset, notes: [Diagnostic.Note("first here", at: source.location(ofOffset: csv.header[first].offset))])
            } else {
                column[name] = i
            }
        }
        for name in required where column[name] == nil {
            add(.missingColumn(name), csv.header.first?.offset ?? 0)
        }
        if diagnostics.hasErrors { return Checked(nil, diagnostics) }

        var people: [Person] = [], at: [String: Int] = [:], emailAt: [String: Int] = [:]
        var managerCells: [(person: String, cell: CSVTable.Cell)] = []
        var managerOf: [String: String] = [:]
        var hookOwner: [String: (person: String, offset: Int)] = [:]
        for r in csv.records.indices {
            let recordOffset = csv.recordOffsets[r]
            if csv.records[r].allSatisfy(\.isBlank) { continue }
            func value(_ name: String) -> CSVTable.Cell? {
                guard let c = column[name], let cell = csv.cell(r, c) else { return nil }
                return cell.isBlank ? nil : cell
            }
            var bad = false
            func fail(_ m: PeopleDiagnostic, _ cell: CSVTable.Cell?, notes: [Diagnostic.Note] = []) {
                add(m, cell?.offset ?? recordOffset, length: max(1, cell?.trimmed.count ?? 1), notes: notes)
                bad = true
            }
            for name in required + optional {
                if let cell = value(name), cell.text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    fail(.controlCharacter(field: name), cell)
                }
            }
            if bad { continue }
            guard let nameCell = value("person") else { fail(.emptyValue(field: "person"), nil); continue }
            let name = nameCell.trimmed
            // Names go into mail headers and tables: a bound keeps every header line short.
            if name.unicodeScalars.count > 200 { fail(.tooLong(field: "person", limit: 200), nameCell); continue }
            guard let emailCell = value("email") else { fail(.emptyValue(field: "email"), nil); continue }
            let email = emailCell.trimmed.lowercased()
            if !validEmail(email) { fail(.badEmail(emailCell.trimmed), emailCell) }
            if let first = at[name] {
                fail(.repeatedPerson(name), nameCell, notes: [Diagnostic.Note("first here", at: source.location(ofOffset: csv.recordOffsets[first]))])
            } else {
                at[name] = r
                managerOf[name] = value("manager")?.trimmed
            }
            if let first = emailAt[email] {
                fail(.repeatedEmail(email), emailCell, notes: [Diagnostic.Note("first here", at: source.location(ofOffset: csv.recordOffsets[first]))])
            } else {
                emailAt[email] = r
            }
            var led: [String] = []
            if let cell = value("units") {
                for u in cell.text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !u.isEmpty {
                    if let units, !units.contains(u) {
                        fail(.unknownUnit(u), cell)
                    } else if !led.contains(u) {
                        led.append(u)
                    }
                }
            }
            var zone = "UTC"
            if let cell = value("timezone") {
                if TimeZone(identifier: cell.trimmed) == nil {
                    fail(.unknownTimeZone(cell.trimmed), cell)
                } else {
                    zone = cell.trimmed
                }
            }
            var cadence = Cadence.weekly
            if let cell = value("cadence") {
                if let c = Cadence(rawValue: cell.trimmed.lowercased()) { cadence = c } else { fail(.badCadence(cell.trimmed), cell) }
            }
            var role: Role = led.isEmpty ? .member : .lead
            if let cell = value("role") {
                if let r = Role(rawValue: cell.trimmed.lowercased()) { role = r } else { fail(.badRole(cell.trimmed), cell) }
                if role == .lead && led.isEmpty { fail(.leadWithoutUnits, cell) }
            }
            var hooks: [String: String] = [:]
            for field in ["slack", "teams"] {
                guard let cell = value(field) else { continue }
                if webhookURL(cell.trimmed) == nil { fail(.badWebhook(field: field, found: cell.trimmed), cell) } else { hooks[field] = cell.trimmed }
            }
            if let cell = value("manager"), at[name] == r { managerCells.append((name, cell)) }
            if bad { continue }
            people.append(Person(name: name, email: email, manager: value("manager")?.trimmed, units: led, role: role, timeZone: zone,
                                 cadence: cadence, slack: hooks["slack"], teams: hooks["teams"]))
            for field in ["slack", "teams"] {
                guard let url = hooks[field], let cell = value(field) else { continue }
                if let first = hookOwner[url] {
                    add(.sharedWebhook(field: field, people: "\(first.person) and \(name)"), cell.offset, length: max(1, cell.trimmed.count),
                        notes: [Diagnostic.Note("first here", at: source.location(ofOffset: first.offset))])
                } else {
                    hookOwner[url] = (name, cell.offset)
                }
            }
            if let owners, !owners.contains(name), led.isEmpty, role == .member {
                add(.ownsNothing(name), nameCell.offset, length: max(1, name.count))
            }
        }
        // Managers are people of the file, and the chain above anyone ends.
        // Each person is walked once: up the chain until the top, someone already settled, or
        // someone on this walk (a circle: each of its members is reported at their manager).
        var managerCell: [String: CSVTable.Cell] = [:]
        for (person, cell) in managerCells {
            if at[cell.trimmed] == nil {
                add(.unknownManager(cell.trimmed), cell.offset, length: max(1, cell.trimmed.count))
            } else {
                managerCell[person] = cell
            }
        }
        var settled = Set<String>()
        for (start, _) in managerCells where !settled.contains(start) {
            var path: [String] = [], onPath: [String: Int] = [:], at: String? = start
            while let p = at, !settled.contains(p) {
                if let i = onPath[p] {
                    let circle = Array(path[i...])
                    for (n, member) in circle.enumerated() {
                        guard let cell = managerCell[member] else { continue }
                        // The circle from this member round to them again (its first 12 names when longer).
                        let shown = (0..<min(circle.count, 12)).map { circle[(n + $0) % circle.count] }
                        let words = shown.joined(separator: " → ") + (circle.count > 12 ? " → …" : " → \(member)")
                        add(.managerCycle(words), cell.offset, length: max(1, cell.trimmed.count))
                    }
                    break
                }
                onPath[p] = path.count
                path.append(p)
                at = managerCell[p] == nil ? nil : managerOf[p]
            }
            settled.formUnion(path)
        }
        if csv.records.allSatisfy({ $0.allSatisfy(\.isBlank) }) {
            add(.emptyValue(field: "person"), nil, notes: [Diagnostic.Note("the file has a header and no person")])
        }
        return Checked(diagnostics.hasErrors ? nil : people, diagnostics)
    }

    /// One address: a local part and a domain with a dot, nothing a mail header would read as
    /// more than one address.
    public static func validEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), s.utf8.count <= 254,
              // Every label of the domain and of a dotted local part has something in it.
              parts[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.count <= 63 }),
              parts[0].split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty }) else {
            return false
        }
        // ASCII only: the mail is sent without SMTPUTF8.
        return !s.contains(where: { $0.isWhitespace || "<>,;:\"()[]\\".contains($0) }) && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }

    /// A webhook URL digests may be posted to: https, or http to this machine's loopback.
    public static func webhookURL(_ text: String) -> URL? {
        guard let url = DeliveryService.validURL(text), let scheme = url.scheme?.lowercased() else { return nil }
        return scheme == "https" || isLoopback(url.host ?? "") ? url : nil
    }

    /// Whether a host is this machine's loopback: `localhost`, an IPv4 address in 127.0.0.0/8,
    /// or `::1`; the address parsed, not its spelling matched (`127.example.com` is not).
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, bare, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1] }
        return false
    }
}

/// What a people import did.
public struct PeopleImportOutcome: Sendable {
    public var people: [Person]
    public var added: Int
    public var changed: Int
    public var removed: Int
    /// Warnings (a person who owns nothing), with their file.
    public var warnings: [Diagnostic]
    public var sources: [SourceFile]
}

/// The people file in the store.
public enum PeopleService {
    /// Reads, checks and imports a people file: the store's people become the file's, all or
    /// nothing (a file with an error changes nothing).
    public static func importFile(_ path: String, store: any Store, actor: String) throws(ServiceError) -> PeopleImportOutcome {
        let source: SourceFile
        switch DatasetLoader.read(path) {
        case .success(let file): source = file
        case .failure(let list): throw .invalidInput(InputProblems(diagnostics: list.diagnostics, sources: [], consequence: "no people imported"))
        }
        let (units, owners) = try storeCall { () throws(StoreError) in
            (Set(try store.unitIDs()), Set(try store.keyResultCards().compactMap(\.owner)))
        }
        let checked = PeopleFile.read(source, units: units, owners: owners)
        guard let people = checked.value else {
            throw .invalidInput(InputProblems(diagnostics: checked.diagnostics, sources: [source], consequence: "no people imported"))
        }
        let entry = AuditEntry(at: Int64(Date().timeIntervalSince1970), actor: actor, action: "people-import", target: path,
                               detail: "\(people.count) people")
        let counts = try storeCall { () throws(StoreError) in try store.replacePeople(people, audit: entry) }
        return PeopleImportOutcome(people: people, added: counts.added, changed: counts.changed, removed: counts.removed,
                                   warnings: checked.diagnostics, sources: [source])
    }
}
