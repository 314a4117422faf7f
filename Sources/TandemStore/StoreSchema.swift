/// The store's schema steps, one list for both backends: a store records the steps applied to
/// it, is brought up to date by applying the rest, and is refused when it records a step this
/// Tandem does not know (a newer Tandem wrote it).
///
/// SQLite stores apply every step in turn (``SQLiteStore``'s migrator, by these names).
/// PostgreSQL stores begin at v6, the first schema with the organisation key in every table:
/// their first step creates that schema at once and records v1–v6.
enum StoreSchema {
    static let steps = [
        "v1: organisation, key results, check-ins",
        "v2: runs, decisions, forecasts, alert ledger, webhook deliveries",
        "v3: policy versions",
        "v4: write generation, undoable runs",
        "v5: organisation key, structured decisions",
        "v6: a write generation per organisation",
        "v7: the alert inbox's indexes, the key results' order",
        "v8: accounts, sessions, API tokens, the audit log, what-if scenarios; snoozed alerts",
        "v9: people, the notification ledger, check-in reminders",
    ]
}
