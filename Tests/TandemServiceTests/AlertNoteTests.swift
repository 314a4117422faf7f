import Foundation
import Testing
import TandemCore
import TandemService
import TandemStore
import TandemTestSupport

@Suite("Notes on alerts: one rule for the dashboard, the API and the command line")
struct AlertNoteTests {
    @Test func aNoteWithControlCharactersOrOverridesOrTooLongIsRefusedBeforeTheStoreIsTouched() throws {
        let scratch = try Backend.sqlite.scratch()
        defer { scratch.remove() }
        let store = try scratch.open()
        defer { try? store.close() }
        for (note, words) in [("\u{1B}[31mred", "control characters (found U+1B)"), ("看\u{202E}过了", "bidirectional overrides (found U+202E)"),
                              (String(repeating: "好", count: 2001), "at most 2,000 characters (this one has 2001)"), ("\u{85}", "control characters")] {
            for snooze in [false, true] {
                #expect {
                    if snooze {
                        _ = try LedgerService.snooze(store: store, alert: 1, until: Day(iso: "2026-10-20")!, note: note, day: nil)
                    } else {
                        _ = try LedgerService.acknowledge(store: store, alert: 1, note: note, day: nil)
                    }
                } throws: { error in
                    guard case .invalidRequest(let why) = error as? ServiceError else { return false }
                    return why.contains(words)
                }
            }
        }
        // Tabs, line breaks, Chinese, emoji and 2,000 characters are a note like any other.
        #expect(AlertNotes.problem("负责人已跟进\t下周复盘\n👍") == nil)
        #expect(AlertNotes.problem(String(repeating: "好", count: 2000)) == nil)
        // Length is counted in code points: combining marks cannot hide a long note in one letter.
        #expect(AlertNotes.problem("a" + String(repeating: "\u{301}", count: 2000))?.contains("this one has 2001") == true)
    }
}
