import ArgumentParser
import Foundation
import TandemStore

struct StoreInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Show what a store holds: units, key results, check-ins, imports, and a content digest."
    )

    @Option(help: ArgumentHelp("The store (SQLite file), as `tandem import` made it.", valueName: "file"))
    var db: String

    func run() throws {
        do {
            let store = try TandemStore(path: db, access: .readOnly)
            let c = try store.counts()
            print("\(db): \(count(c.units, "unit")), \(count(c.keyResults, "key result")), \(count(c.checkIns, "check-in")) from \(count(c.imports, "import"))")
            for v in try store.policyVersions() {
                print("policy \(v.name)\(v.version.map { " \($0)" } ?? "") used by \(count(v.runs, "run")) since \(v.firstRun)")
            }
            if let latest = try store.latestRun() { print("latest run \(latest)") }
            print("digest \(try store.digest())")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
