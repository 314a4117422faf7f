import Foundation
import GRDB
import TandemCore

extension SQLiteStore {
    /// Imports a checked dataset in one transaction: units and attributes, key results and
    /// check-ins are inserted or, when their content differs, updated; identical rows are left
    /// alone, so importing the same files twice changes nothing, and a later export adds its
    /// new check-ins. Units, key results and check-ins are never deleted; an attribute a unit no
    /// longer sets in the new file is removed from it (the unit then inherits it).
    ///
    /// - Parameter files: the paths imported, recorded with the import.
    public func importDataset(_ dataset: Dataset, files: [String], audit: ((ImportSummary) -> AuditEntry)?) throws(StoreError) -> ImportSummary {
        if let where_ = dataset.textWithNUL() {
            throw StoreError(location: path, operation: "import into", message: "\(where_) has a text with a NUL character, which a store cannot keep; nothing was imported")
        }
        return try write("import into") { db in
                var summary = ImportSummary()
                if let organisation = dataset.organisation {
                    let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unit WHERE org = ?", arguments: [org]) ?? 0
                    let upsert = try db.cachedStatement(sql: """
                        INSERT INTO unit (org, id, name, gloss, parent_id, ordinal) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(org, id) DO UPDATE SET name = excluded.name, gloss = excluded.gloss,
                          parent_id = excluded.parent_id, ordinal = excluded.ordinal
                        WHERE name IS NOT excluded.name OR gloss IS NOT excluded.gloss
                          OR parent_id IS NOT excluded.parent_id OR ordinal IS NOT excluded.ordinal
                        """)
                    let attribute = try db.cachedStatement(sql: """
                        INSERT INTO unit_attribute (org, unit_id, name, kind, value) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(org, unit_id, name) DO UPDATE SET kind = excluded.kind, value = excluded.value
                        WHERE kind IS NOT excluded.kind OR value IS NOT excluded.value
                        """)
                    let removeAttributes = try db.cachedStatement(sql: "DELETE FROM unit_attribute WHERE org = ? AND unit_id = ? AND name NOT IN (SELECT value FROM json_each(?))")
                    var changes = 0
                    for (i, u) in organisation.units.enumerated() {
                        try upsert.execute(arguments: [org, u.id, u.name, u.gloss, u.parentID, i])
                        var unitChanged = db.changesCount > 0
                        for (name, value) in u.attributes.sorted(by: { $0.key < $1.key }) {
                            try attribute.execute(arguments: [org, u.id, name, value.kind.rawValue, value.text])
                            unitChanged = unitChanged || db.changesCount > 0
                        }
                        let names = String(decoding: try JSONEncoder().encode(Array(u.attributes.keys)), as: UTF8.self)
                        try removeAttributes.execute(arguments: [org, u.id, names])
                        unitChanged = unitChanged || db.changesCount > 0
                        if unitChanged { changes += 1 }
                    }
                    let after = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unit WHERE org = ?", arguments: [org]) ?? 0
                    summary.unitsAdded = after - existing
                    summary.unitsChanged = changes - summary.unitsAdded
                }
                let krsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_result WHERE org = ?", arguments: [org]) ?? 0
                let upsertKR = try db.cachedStatement(sql: """
                    INSERT INTO key_result (org, id, objective_id, unit_id, title, kind, start_value, target_value,
                      cycle_start, cycle_end, owner, final_value, ordinal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(org, id) DO UPDATE SET objective_id = excluded.objective_id, unit_id = excluded.unit_id,
                      title = excluded.title, kind = excluded.kind, start_value = excluded.start_value,
                      target_value = excluded.target_value, cycle_start = excluded.cycle_start,
                      cycle_end = excluded.cycle_end, owner = excluded.owner, final_value = excluded.final_value
                    WHERE objective_id IS NOT excluded.objective_id OR unit_id IS NOT excluded.unit_id
                      OR title IS NOT excluded.title OR kind IS NOT excluded.kind
                      OR start_value IS NOT excluded.start_value OR target_value IS NOT excluded.target_value
                      OR cycle_start IS NOT excluded.cycle_start OR cycle_end IS NOT excluded.cycle_end
                      OR owner IS NOT excluded.owner OR final_value IS NOT excluded.final_value
                    """)
                var krChanges = 0
                for (i, kr) in dataset.keyResults.keyResults.enumerated() {
                    try upsertKR.execute(arguments: [org, kr.id, kr.objectiveID, kr.unitID, kr.title, kr.kind.rawValue, kr.startValue,
                                                     kr.targetValue, Int(kr.cycle.start.ordinal), Int(kr.cycle.end.ordinal), kr.owner,
                                                     kr.finalValue, krsBefore + i])
                    if db.changesCount > 0 { krChanges += 1 }
                }
                let krsAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_result WHERE org = ?", arguments: [org]) ?? 0
                summary.keyResultsAdded = krsAfter - krsBefore
                summary.keyResultsChanged = krChanges - summary.keyResultsAdded

                let checkInsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkin WHERE org = ?", arguments: [org]) ?? 0
                let upsertCheckIn = try db.cachedStatement(sql: """
                    INSERT INTO checkin (org, kr_id, day, value, confidence, target) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(org, kr_id, day) DO UPDATE SET value = excluded.value, confidence = excluded.confidence,
                      target = excluded.target
                    WHERE value IS NOT excluded.value OR confidence IS NOT excluded.confidence OR target IS NOT excluded.target
                    """)
                var checkInChanges = 0
                for c in dataset.checkIns.checkIns {
                    try upsertCheckIn.execute(arguments: [org, c.keyResultID, Int(c.date.ordinal), c.value, c.confidence, c.target])
                    if db.changesCount > 0 { checkInChanges += 1 }
                }
                let checkInsAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkin WHERE org = ?", arguments: [org]) ?? 0
                summary.checkInsAdded = checkInsAfter - checkInsBefore
                summary.checkInsChanged = checkInChanges - summary.checkInsAdded
                if !summary.isEmpty {
                    try Self.advanceGeneration(db, org: org)
                    try db.execute(sql: """
                        INSERT INTO import (org, files, units_changed, key_results_changed, checkins_added, checkins_changed)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [org, files.joined(separator: "\n"), summary.unitsAdded + summary.unitsChanged,
                                         summary.keyResultsAdded + summary.keyResultsChanged, summary.checkInsAdded, summary.checkInsChanged])
                }
                if let audit { try Self.rows(db).appendAudit(audit(summary), organisation: org) }
                return summary
        }
    }

    public func counts() throws(StoreError) -> StoreCounts {
        try read("read") { db in
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE org = ?", arguments: [org]) ?? 0 }
            return StoreCounts(units: try count("unit"), keyResults: try count("key_result"), checkIns: try count("checkin"),
                               imports: try count("import"), runs: try count("run"), alerts: try count("alert"))
        }
    }

    /// Reads the whole dataset back: organisation, key results, check-ins.
    public func loadDataset() throws(StoreError) -> Dataset {
        try read("read") { db in try Self.loadDataset(db, path: path, org: org) }
    }

    static func loadDataset(_ db: Database, path: String, org: String) throws -> Dataset {
            do {  // (the reading, in one scope)
                var attributes: [String: [String: AttributeValue]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT unit_id, name, kind, value FROM unit_attribute WHERE org = ?", arguments: [org]) {
                    let kind = AttributeValue.Kind(rawValue: row["kind"]) ?? .string
                    attributes[row["unit_id"], default: [:]][row["name"]] = AttributeValue(kind: kind, text: row["value"])
                }
                let units = try Row.fetchAll(db, sql: "SELECT id, name, gloss, parent_id FROM unit WHERE org = ? ORDER BY ordinal", arguments: [org]).map { row in
                    OrgUnit(id: row["id"], name: row["name"], gloss: row["gloss"], parentID: row["parent_id"],
                            attributes: attributes[row["id"] as String] ?? [:])
                }
                var table = KeyResultTable(keyResults: [], index: [:], locations: [])
                for row in try Row.fetchAll(db, sql: "SELECT * FROM key_result WHERE org = ? ORDER BY ordinal", arguments: [org]) {
                    let kindText: String = row["kind"]
                    guard let kind = KeyResultKind(rawValue: kindText) else {
                        throw damaged("key result \(row["id"] as String) has the kind '\(kindText)'")
                    }
                    let kr = KeyResult(
                        id: row["id"], objectiveID: row["objective_id"], unitID: row["unit_id"], title: row["title"],
                        kind: kind, startValue: row["start_value"],
                        targetValue: row["target_value"],
                        cycle: Cycle(start: Day(ordinal: Int32(row["cycle_start"] as Int)), end: Day(ordinal: Int32(row["cycle_end"] as Int))),
                        owner: row["owner"], finalValue: row["final_value"])
                    table.index[kr.id] = table.keyResults.count
                    table.keyResults.append(kr)
                    table.locations.append(SourceLocation(file: path, line: 0, column: 0))
                }
                var byKR = [[CheckIn]](repeating: [], count: table.keyResults.count)
                let cursor = try Row.fetchCursor(db, sql: "SELECT kr_id, day, value, confidence, target FROM checkin WHERE org = ? ORDER BY kr_id, day", arguments: [org])
                // Rows come grouped by key result: one look-up per key result, its id shared.
                var lastID = "", k = -1
                while let row = try cursor.next() {
                    let id: String = row[0]
                    if id != lastID {
                        lastID = id
                        k = table.index[id] ?? -1
                    }
                    guard k >= 0 else { continue }
                    byKR[k].append(CheckIn(keyResultID: table.keyResults[k].id, date: Day(ordinal: Int32(row[1] as Int)), value: row[2],
                                           confidence: row[3], target: row[4]))
                }
                var all: [CheckIn] = [], ranges: [Range<Int>] = []
                for list in byKR {
                    let start = all.count
                    all += list
                    ranges.append(start..<all.count)
                }
                return Dataset(organisation: units.isEmpty ? nil : Organisation(units: units), keyResults: table,
                               checkIns: CheckInLog(checkIns: all, ranges: ranges))
            }
    }
}
