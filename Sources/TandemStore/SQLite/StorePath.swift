import Foundation
import GRDB

/// What can be wrong with a store's path, said in words before SQLite says it in codes.
enum StorePath {
    /// The first 16 bytes of every SQLite database file.
    static let header = Array("SQLite format 3\u{0}".utf8)

    static func check(_ path: String, access: SQLiteStore.Access) throws(StoreError) {
        func fail(_ words: String) -> StoreError { StoreError(location: path, operation: "open", message: words, kind: .unavailable) }
        let files = FileManager.default
        guard !path.isEmpty else { throw fail("no path given") }
        if path.hasPrefix(":memory:") || path.hasPrefix("file:") { throw fail("give the path of a file; SQLite's special names are not stores") }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        // A link: say where it points when that does not exist.
        if let target = try? files.destinationOfSymbolicLink(atPath: path), !files.fileExists(atPath: path) {
            throw fail("this is a symbolic link to '\(target)', which does not exist")
        }
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            var folderIsDirectory: ObjCBool = false
            if !files.fileExists(atPath: folder, isDirectory: &folderIsDirectory) {
                throw fail("the folder '\(folder)' does not exist")
            }
            if !folderIsDirectory.boolValue { throw fail("'\(folder)' is a file, not a folder") }
            if access != .create {
                throw fail("no store here; `tandem import --db \(path) …` creates one (check the path for a typo)")
            }
            if !files.isWritableFile(atPath: folder) { throw fail("the folder '\(folder)' is read-only; a store cannot be created in it") }
            return
        }
        if isDirectory.boolValue { throw fail("this is a folder; --db takes the path of the store's file, such as \(path)/tandem.db") }
        guard files.isReadableFile(atPath: path) else { throw fail("the file cannot be read (permission denied)") }
        // An empty file is a new store to SQLite; anything else must be an SQLite database.
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }  // read-only: closing cannot lose anything
            head = try handle.read(upToCount: header.count) ?? Data()
        } catch {
            throw fail("the file cannot be read: \(error.localizedDescription)")
        }
        if !head.isEmpty, Array(head) != header { throw fail("this file is not a Tandem store (not an SQLite database)") }
        if head.isEmpty, access != .create {
            throw fail("no store here: the file is empty; `tandem import --db \(path) …` fills it")
        }
        if access != .readOnly {
            if !files.isWritableFile(atPath: path) {
                throw fail("the file is read-only; this command writes to the store (commands that only read, such as `tandem alerts`, can use it)")
            }
            if !files.isWritableFile(atPath: folder) {
                throw fail("the folder '\(folder)' is read-only, and SQLite needs to write its journal beside the store")
            }
        }
    }

    /// A store error in words from what SQLite or GRDB threw while opening.
    static func explain(_ error: any Error, path: String, access: SQLiteStore.Access) -> StoreError {
        if let e = error as? StoreError { return e }
        var failure = Self.failure(error, path: path, operation: "open")
        if let e = error as? DatabaseError, e.resultCode == .SQLITE_CANTOPEN, access == .readOnly {
            failure.message += "; a store in a read-only folder needs its -wal and -shm files beside it, or to be closed cleanly first"
        }
        if failure.kind == .failed, let e = error as? DatabaseError, [.SQLITE_NOTADB, .SQLITE_CANTOPEN].contains(e.resultCode) {
            failure.kind = .unavailable
        }
        return failure
    }

    /// A store error from what was thrown inside a transaction: a `StoreError` as it is; SQLite's
    /// error in words, with its kind, and kept as the cause.
    static func failure(_ error: any Error, path: String, operation: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? SQLiteStore.Damaged {
            return StoreError(location: path, operation: operation, message: e.description, kind: .failed)
        }
        var kind = StoreError.Kind.failed
        if let e = error as? DatabaseError, e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED { kind = .busy }
        return StoreError(location: path, operation: operation, message: words(error), kind: kind, cause: error)
    }

    /// What SQLite or GRDB threw, in words a person can act on (never a bare error number).
    static func words(_ error: any Error) -> String {
        guard let e = error as? DatabaseError else { return "\(error)" }
        switch e.resultCode {
        case .SQLITE_NOTADB: return "this file is not a Tandem store (not an SQLite database)"
        case .SQLITE_CORRUPT: return "the store is damaged (SQLite finds it malformed); restore it from a backup"
        case .SQLITE_READONLY: return "the store cannot be written here (a read-only file, folder or disk)"
        case .SQLITE_CANTOPEN: return "SQLite cannot open the file"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "another process holds the store (busy for over 10 seconds); try again"
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_IOERR: return "the disk could not be read or written (an I/O error)"
        case .SQLITE_ERROR where (e.message ?? "").hasPrefix("no such table"):
            return "this database lacks Tandem's tables (\(e.message ?? "")): not a Tandem store, or a damaged one"
        default: return e.message ?? "\(e)"
        }
    }
}
