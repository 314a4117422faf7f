import Foundation
import PostgresNIO
import TandemCore

extension PostgresStore {
    /// Rows sent in one statement: large enough that a million check-ins take a few dozen
    /// statements, small enough that one statement's arrays stay a few megabytes.
    static let batch = 20_000

    /// Imports a checked dataset in one transaction, with the rules of
    /// ``SQLiteStore/importDataset(_:files:)``: rows are inserted or, when their content differs,
    /// updated; identical rows are left alone. Rows go in arrays (`unnest`), a batch per statement.
    public func importDataset(_ dataset: Dataset, files: [String], audit: ((ImportSummary) -> AuditEntry)?) throws(StoreError) -> ImportSummary {
        if let where_ = dataset.textWithNUL() {
            throw StoreError(location: location, operation: "import into", message: "\(where_) has a text with a NUL character, which a store cannot keep; nothing was imported")
        }
        // A number that is not finite is refused: the loaders never give one, and a missing
        // confidence or target reads back through NaN (``loadDataset``).
        if let bad = dataset.checkIns.checkIns.first(where: { c in ([c.value] + [c.confidence, c.target].compactMap { $0 }).contains { !$0.isFinite } }) {
            throw StoreError(location: location, operation: "import into",
                             message: "the check-in of \(bad.keyResultID) on \(bad.date) has a number that is not finite; nothing was imported")
        }
        return try write("import into") { s in
            var summary = ImportSummary()
            if let organisation = dataset.organisation {
                let units = organisation.units
                var changedUnits = Set<String>()
                var added = 0
                for start in stride(from: 0, to: units.count, by: Self.batch) {
                    let slice = Array(units[start..<min(start + Self.batch, units.count)])
                    let rows = try s.query("""
                        INSERT INTO unit (org, id, name, gloss, parent_id, ordinal)
                        SELECT \(org), i, n, CASE WHEN g_null THEN NULL ELSE g END, CASE WHEN p_null THEN NULL ELSE p END, o
                        FROM unnest(\(slice.map(\.id))::text[], \(slice.map(\.name))::text[], \(slice.map { $0.gloss ?? "" })::text[],
                                    \(slice.map { $0.gloss == nil })::bool[], \(slice.map { $0.parentID ?? "" })::text[],
                                    \(slice.map { $0.parentID == nil })::bool[], \(Array(start..<start + slice.count))::int8[])
                          AS t(i, n, g, g_null, p, p_null, o)
                        ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, gloss = excluded.gloss, parent_id = excluded.parent_id,
                          ordinal = excluded.ordinal
                        WHERE unit.name IS DISTINCT FROM excluded.name OR unit.gloss IS DISTINCT FROM excluded.gloss
                          OR unit.parent_id IS DISTINCT FROM excluded.parent_id OR unit.ordinal IS DISTINCT FROM excluded.ordinal
                        RETURNING id, (xmax = 0)
                        """)
                    for row in rows {
                        let (id, inserted) = try row.decode((String, Bool).self)
                        changedUnits.insert(id)
                        if inserted { added += 1 }
                    }
                    var unitIDs: [String] = [], names: [String] = [], kinds: [String] = [], values: [String] = []
                    for u in slice {
                        for (name, value) in u.attributes.sorted(by: { $0.key < $1.key }) {
                            unitIDs.append(u.id)
                            names.append(name)
                            kinds.append(value.kind.rawValue)
                            values.append(value.text)
                        }
                    }
                    for row in try s.query("""
                        INSERT INTO unit_attribute (org, unit_id, name, kind, value)
                        SELECT \(org), u, n, k, v FROM unnest(\(unitIDs)::text[], \(names)::text[], \(kinds)::text[], \(values)::text[]) AS t(u, n, k, v)
                        ON CONFLICT (org, unit_id, name) DO UPDATE SET kind = excluded.kind, value = excluded.value
                        WHERE unit_attribute.kind IS DISTINCT FROM excluded.kind OR unit_attribute.value IS DISTINCT FROM excluded.value
                        RETURNING unit_id
                        """) { changedUnits.insert(try row.decode(String.self)) }
                    // An attribute a unit no longer sets is removed from it (it then inherits it).
                    for row in try s.query("""
                        DELETE FROM unit_attribute a WHERE a.org = \(org) AND a.unit_id = ANY(\(slice.map(\.id))::text[])
                          AND NOT EXISTS (SELECT 1 FROM unnest(\(unitIDs)::text[], \(names)::text[]) AS k(u, n) WHERE k.u = a.unit_id AND k.n = a.name)
                        RETURNING a.unit_id
                        """) { changedUnits.insert(try row.decode(String.self)) }
                }
                summary.unitsAdded = added
                summary.unitsChanged = changedUnits.count - added
            }
            let krs = dataset.keyResults.keyResults
            let krsBefore = try s.scalar("SELECT COUNT(*) FROM key_result WHERE org = \(org)", as: Int.self) ?? 0
            for start in stride(from: 0, to: krs.count, by: Self.batch) {
                let k = Array(krs[start..<min(start + Self.batch, krs.count)])
                let rows = try s.query("""
                    INSERT INTO key_result (org, id, objective_id, unit_id, title, kind, start_value, target_value, cycle_start, cycle_end,
                      owner, final_value, ordinal)
                    SELECT \(org), i, o, u, ti, k, sv, tv, cs, ce, CASE WHEN ow_null THEN NULL ELSE ow END,
                      CASE WHEN f_null THEN NULL ELSE f END, ord
                    FROM unnest(\(k.map(\.id))::text[], \(k.map(\.objectiveID))::text[], \(k.map(\.unitID))::text[], \(k.map(\.title))::text[],
                                \(k.map(\.kind.rawValue))::text[], \(Self.z(k.map(\.startValue)))::float8[], \(Self.z(k.map(\.targetValue)))::float8[],
                                \(k.map { Int($0.cycle.start.ordinal) })::int8[], \(k.map { Int($0.cycle.end.ordinal) })::int8[],
                                \(k.map { $0.owner ?? "" })::text[], \(k.map { $0.owner == nil })::bool[],
                                \(Self.z(k.map { $0.finalValue ?? 0 }))::float8[], \(k.map { $0.finalValue == nil })::bool[],
                                \(Array(krsBefore + start..<krsBefore + start + k.count))::int8[])
                      AS t(i, o, u, ti, k, sv, tv, cs, ce, ow, ow_null, f, f_null, ord)
                    ON CONFLICT (org, id) DO UPDATE SET objective_id = excluded.objective_id, unit_id = excluded.unit_id,
                      title = excluded.title, kind = excluded.kind, start_value = excluded.start_value,
                      target_value = excluded.target_value, cycle_start = excluded.cycle_start,
                      cycle_end = excluded.cycle_end, owner = excluded.owner, final_value = excluded.final_value
                    WHERE key_result.objective_id IS DISTINCT FROM excluded.objective_id OR key_result.unit_id IS DISTINCT FROM excluded.unit_id
                      OR key_result.title IS DISTINCT FROM excluded.title OR key_result.kind IS DISTINCT FROM excluded.kind
                      OR key_result.start_value IS DISTINCT FROM excluded.start_value OR key_result.target_value IS DISTINCT FROM excluded.target_value
                      OR key_result.cycle_start IS DISTINCT FROM excluded.cycle_start OR key_result.cycle_end IS DISTINCT FROM excluded.cycle_end
                      OR key_result.owner IS DISTINCT FROM excluded.owner OR key_result.final_value IS DISTINCT FROM excluded.final_value
                    RETURNING (xmax = 0)
                    """)
                for row in rows {
                    if try row.decode(Bool.self) { summary.keyResultsAdded += 1 } else { summary.keyResultsChanged += 1 }
                }
            }
            let checkIns = dataset.checkIns.checkIns
            for start in stride(from: 0, to: checkIns.count, by: Self.batch) {
                let c = checkIns[start..<min(start + Self.batch, checkIns.count)]
                let counts = try s.query("""
                    WITH changed AS (
                      INSERT INTO checkin (org, kr_id, day, value, confidence, target)
                      SELECT \(org), k, d, v, CASE WHEN c_null THEN NULL ELSE c END, CASE WHEN t_null THEN NULL ELSE t END
                      FROM unnest(\(c.map(\.keyResultID))::text[], \(c.map { Int($0.date.ordinal) })::int8[], \(Self.z(c.map(\.value)))::float8[],
                                  \(Self.z(c.map { $0.confidence ?? 0 }))::float8[], \(c.map { $0.confidence == nil })::bool[],
                                  \(Self.z(c.map { $0.target ?? 0 }))::float8[], \(c.map { $0.target == nil })::bool[]) AS t(k, d, v, c, c_null, t, t_null)
                      ON CONFLICT (org, kr_id, day) DO UPDATE SET value = excluded.value, confidence = excluded.confidence, target = excluded.target
                      WHERE checkin.value IS DISTINCT FROM excluded.value OR checkin.confidence IS DISTINCT FROM excluded.confidence
                        OR checkin.target IS DISTINCT FROM excluded.target
                      RETURNING (xmax = 0) AS inserted)
                    SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM changed
                    """).map { try $0.decode((Int, Int).self) }.first ?? (0, 0)
                summary.checkInsAdded += counts.0
                summary.checkInsChanged += counts.1
            }
            if !summary.isEmpty {
                try Self.advanceGeneration(s, org: org)
                try s.execute("""
                    INSERT INTO import (org, files, units_changed, key_results_changed, checkins_added, checkins_changed)
                    VALUES (\(org), \(files.joined(separator: "\n")), \(summary.unitsAdded + summary.unitsChanged),
                            \(summary.keyResultsAdded + summary.keyResultsChanged), \(summary.checkInsAdded), \(summary.checkInsChanged))
                    """)
            }
            if let audit { try Self.rows(s).appendAudit(audit(summary), organisation: org) }
            return summary
        }
    }

    public func counts() throws(StoreError) -> StoreCounts {
        try read("read") { s in
            let row = try s.query("""
                SELECT (SELECT COUNT(*) FROM unit WHERE org = \(org)), (SELECT COUNT(*) FROM key_result WHERE org = \(org)),
                  (SELECT COUNT(*) FROM checkin WHERE org = \(org)), (SELECT COUNT(*) FROM import WHERE org = \(org)),
                  (SELECT COUNT(*) FROM run WHERE org = \(org)), (SELECT COUNT(*) FROM alert WHERE org = \(org))
                """).map { try $0.decode((Int, Int, Int, Int, Int, Int).self) }.first ?? (0, 0, 0, 0, 0, 0)
            return StoreCounts(units: row.0, keyResults: row.1, checkIns: row.2, imports: row.3, runs: row.4, alerts: row.5)
        }
    }

    public func loadDataset() throws(StoreError) -> Dataset {
        try read("read") { s in try Self.loadDataset(s, location: location, org: org) }
    }

    static func loadDataset(_ s: PostgresSession, location: String, org: String) throws -> Dataset {
        var attributes: [String: [String: AttributeValue]] = [:]
        for row in try s.query("SELECT unit_id, name, kind, value FROM unit_attribute WHERE org = \(org)") {
            let (unit, name, kind, value) = try row.decode((String, String, String, String).self)
            attributes[unit, default: [:]][name] = AttributeValue(kind: AttributeValue.Kind(rawValue: kind) ?? .string, text: value)
        }
        let units = try s.query("SELECT id, name, gloss, parent_id FROM unit WHERE org = \(org) ORDER BY ordinal").map { row in
            let (id, name, gloss, parent) = try row.decode((String, String, String?, String?).self)
            return OrgUnit(id: id, name: name, gloss: gloss, parentID: parent, attributes: attributes[id] ?? [:])
        }
        let table = RowSink(KeyResultTable(keyResults: [], index: [:], locations: []))
        try s.forEachRow("""
            SELECT id, objective_id, unit_id, title, kind, start_value, target_value, cycle_start, cycle_end, owner, final_value
            FROM key_result WHERE org = \(org) ORDER BY ordinal
            """) { row in
            let (id, objective, unit, title, kindText, start, target, cycleStart, cycleEnd, owner, final) =
                try row.decode((String, String, String, String, String, Double, Double, Int, Int, String?, Double?).self)
            guard let kind = KeyResultKind(rawValue: kindText) else { throw SQLiteStore.damaged("key result \(id) has the kind '\(kindText)'") }
            let kr = KeyResult(id: id, objectiveID: objective, unitID: unit, title: title, kind: kind, startValue: start, targetValue: target,
                               cycle: Cycle(start: try day(cycleStart), end: try day(cycleEnd)), owner: owner, finalValue: final)
            table.value.index[kr.id] = table.value.keyResults.count
            table.value.keyResults.append(kr)
            table.value.locations.append(SourceLocation(file: location, line: 0, column: 0))
        }
        let krs = table.value
        // One row per key result, its check-ins in arrays: a million check-ins arrive as a few
        // hundred thousand rows, decoded array by array rather than cell by cell. The arrays are
        // filled from the primary key's order (org, kr_id, day): twice as fast on the server as
        // ordering inside each aggregate; their order is checked here all the same, and sorted
        // when the server gave another. A missing confidence or target travels as NaN (never a
        // stored value: the import refuses non-finite numbers).
        let byKR = RowSink([[CheckIn]](repeating: [], count: krs.keyResults.count))
        try s.forEachRow("""
            SELECT kr_id, array_agg(day), array_agg(value), array_agg(COALESCE(confidence, 'NaN')), array_agg(COALESCE(target, 'NaN'))
            FROM (SELECT * FROM checkin WHERE org = \(org) ORDER BY kr_id, day) c GROUP BY kr_id
            """) { row in
            let (id, days, values, confidences, targets) = try row.decode((String, [Int], [Double], [Double], [Double]).self)
            guard let k = krs.index[id] else { return }
            guard days.count == values.count, days.count == confidences.count, days.count == targets.count else {
                throw SQLiteStore.damaged("the check-ins of \(id) cannot be read back")
            }
            let kr = krs.keyResults[k].id
            var list: [CheckIn] = []
            list.reserveCapacity(days.count)
            for i in days.indices {
                list.append(CheckIn(keyResultID: kr, date: try day(days[i]), value: values[i],
                                    confidence: confidences[i].isNaN ? nil : confidences[i], target: targets[i].isNaN ? nil : targets[i]))
            }
            if !zip(list, list.dropFirst()).allSatisfy({ $0.date < $1.date }) { list.sort { $0.date < $1.date } }
            byKR.value[k] = list
        }
        var all: [CheckIn] = [], ranges: [Range<Int>] = []
        for list in byKR.value {
            let start = all.count
            all += list
            ranges.append(start..<all.count)
        }
        return Dataset(organisation: units.isEmpty ? nil : Organisation(units: units), keyResults: krs,
                       checkIns: CheckInLog(checkIns: all, ranges: ranges))
    }
}
