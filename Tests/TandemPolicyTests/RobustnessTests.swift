import Foundation
import Testing
import TandemCore
@testable import TandemPolicy

/// Mangled policies never crash the lexer, parser, checker or evaluator, and every diagnostic
/// points inside the file.
@Suite("Policies survive mangled input")
struct PolicyRobustnessTests {
    static let base: [UInt8] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/selection.policy")
        return (try? [UInt8](Data(contentsOf: url))) ?? []
    }()

    static let fragments: [String] = ["(", ")", "{", "}", "=>", "==", "and", "or", "not", "lean", "\"", "%", "okr(", "kpi",
                                      "hybrid(kpi: 50%, okr: 50%)", "\n", "when", "otherwise", "let x = ", "evidence {",
                                      "decide first {", "attribute z: level a < b", "1e9", "-", "..", "研发", "#", "kr.", "in {"]

    @Test func mangledPoliciesNeverCrash() {
        var random = SeededRandom(seed: 21)
        for _ in 0..<600 {
            var bytes = Self.base
            for _ in 0..<Int.random(in: 1...6, using: &random) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...40, using: &random)))
                case 1: bytes.insert(contentsOf: Array(Self.fragments.randomElement(using: &random)!.utf8), at: i)
                case 2: bytes[i] = UInt8.random(in: 0...255, using: &random)
                default: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + 60)], at: i)
                }
            }
            let source = SourceFile(path: "m.policy", bytes: bytes)
            let result = PolicyLoader.load(source)
            for d in result.diagnostics {
                #expect(d.location.map { $0.line >= 1 && $0.line <= source.lineCount + 1 && $0.column >= 1 } ?? true, "\(d)")
            }
            _ = DiagnosticRenderer(sources: [source]).render(result.diagnostics)
            if let policy = result.policy {
                let compiled = CompiledPolicy(policy)
                for x in policy.expectations { _ = compiled.explain(values: x.values, unitID: "x", unitName: x.title) }
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = "policy \"p\"\nattribute a: bool\nlet x = " + String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)
            + "\nlet y = " + String(repeating: "not ", count: 5000) + "a\ndecide first {\n  otherwise => kpi\n}\n"
            + "let z = a" + String(repeating: " and a", count: 20000) + "\n"
        let result = PolicyLoader.load(SourceFile(path: "deep.policy", text: text))
        #expect(result.policy == nil)
        #expect(result.diagnostics.contains { $0.id == "P0221" })
    }
}
