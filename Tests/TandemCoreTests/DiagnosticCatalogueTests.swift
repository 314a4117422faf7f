import Foundation
import Testing

/// Diagnostic ids are written in one place: each module's catalogue (`CoreDiagnostic`,
/// `PolicyDiagnostic`, `ScenarioDiagnostic`). These tests read the sources and refuse an id
/// literal anywhere else, so that detection code names a catalogue entry instead of an id.
@Suite("Diagnostic ids live in the catalogues")
struct DiagnosticCatalogueTests {
    /// Each catalogue file, from the package root, with the prefix of its module's ids.
    static let catalogues = [
        "Sources/TandemCore/Diagnostics/CoreDiagnostic.swift": "C",
        "Sources/TandemPolicy/PolicyDiagnostic.swift": "P",
        "Sources/TandemEngine/WhatIf/ScenarioDiagnostic.swift": "S",
    ]

    /// The package root: this file is `Tests/TandemCoreTests/DiagnosticCatalogueTests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An id as a string literal: `"C0110"`.
    static var idLiteral: Regex<(Substring, Substring)> { /"([CPS][0-9]{4})"/ }

    /// One id literal found in a source file.
    struct Occurrence: CustomStringConvertible {
        var path: String
        var line: Int
        var id: String
        var description: String { "\(path):\(line): \"\(id)\"" }
    }

    /// Every `.swift` file under `Sources/`, as paths from the package root, sorted.
    static func sourceFiles() throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        guard let walk = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var paths: [String] = []
        for case let url as URL in walk where url.pathExtension == "swift" {
            let path = url.standardizedFileURL.path
            paths.append(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path)
        }
        return paths.sorted()
    }

    /// The id literals of one file, in order.
    static func occurrences(in path: String) throws -> [Occurrence] {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        var found: [Occurrence] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for match in line.matches(of: idLiteral) {
                found.append(Occurrence(path: path, line: n + 1, id: String(match.output.1)))
            }
        }
        return found
    }

    @Test("the sources are found, the three catalogues among them")
    func sourcesAreFound() throws {
        let files = try Self.sourceFiles()
        #expect(files.count > 50)
        for catalogue in Self.catalogues.keys.sorted() {
            #expect(files.contains(catalogue), "missing catalogue \(catalogue)")
        }
    }

    @Test("no id literal is written outside the catalogues")
    func noIDOutsideTheCatalogues() throws {
        var strays: [Occurrence] = []
        for path in try Self.sourceFiles() where Self.catalogues[path] == nil {
            strays += try Self.occurrences(in: path)
        }
        #expect(strays.isEmpty, """
            diagnostic ids must be defined in a catalogue (CoreDiagnostic, PolicyDiagnostic, ScenarioDiagnostic) \
            and used through it; found:
            \(strays.map(\.description).joined(separator: "\n"))
            """)
    }

    @Test("each catalogue holds its own module's ids, each once, in order", arguments: catalogues.keys.sorted())
    func catalogueHoldsItsOwnIDs(_ path: String) throws {
        let prefix = try #require(Self.catalogues[path])
        let found = try Self.occurrences(in: path)
        #expect(!found.isEmpty, "\(path) defines no id")
        let foreign = found.filter { !$0.id.hasPrefix(prefix) }
        #expect(foreign.isEmpty, "ids of another module in \(path); they belong to that module's catalogue: \(foreign.map(\.description))")
        // The `id` switch names each id once (cases sharing an id share one arm), ordered by id.
        let ids = found.map(\.id)
        let repeated = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "ids written more than once in \(path): \(repeated)")
        #expect(ids == ids.sorted(), "ids out of order in \(path)")
    }
}
