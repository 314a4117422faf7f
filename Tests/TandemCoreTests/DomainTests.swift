import Testing
@testable import TandemCore

@Suite("Days")
struct DayTests {
    @Test(arguments: ["1970-01-01", "2024-02-29", "2026-12-31", "2000-02-29", "0001-01-01", "9999-12-31"])
    func roundTrips(_ text: String) throws {
        let day = try #require(Day(iso: text))
        #expect(day.description == text)
    }

    @Test(arguments: ["2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026/01/05",
                      "26-01-05", "2026-1-5", "2026-01-05T00:00:00Z", "", "abcd-ef-gh", "0000-01-01"])
    func rejects(_ text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func ordinalsAndDistances() throws {
        #expect(Day(iso: "1970-01-01")?.ordinal == 0)
        #expect(Day(iso: "2000-03-01")?.ordinal == 11017)
        let a = try #require(Day(iso: "2026-01-01")), b = try #require(Day(iso: "2026-03-31"))
        #expect(a.distance(to: b) == 89)
        let cycle = Cycle(start: a, end: b)
        #expect(cycle.days == 90)
        #expect(cycle.elapsedShare(at: b) == 1)
        #expect(abs(cycle.elapsedShare(at: a.advanced(by: 44)) - 0.5) < 1e-12)
    }
}

@Suite("Progress, score and success")
struct ScoringTests {
    func kr(_ kind: KeyResultKind, start: Double, target: Double, final: Double? = nil) -> KeyResult {
        KeyResult(id: "k", objectiveID: "o", unitID: "u", title: "t", kind: kind, startValue: start,
                  targetValue: target, cycle: Cycle(start: Day(iso: "2026-01-01")!, end: Day(iso: "2026-03-31")!),
                  finalValue: final)
    }

    @Test func increasingMetric() {
        let k = kr(.committed, start: 10, target: 20)
        #expect(k.direction == .increase)
        #expect(k.progress(of: 15) == 0.5)
        #expect(k.progress(of: 25) == 1.5)
        #expect(k.score(of: 25) == 1)
        #expect(k.score(of: 5) == 0)
        #expect(k.progress(of: 5) == -0.5)
    }

    @Test func decreasingMetric() {
        // Churn 8% → 5%: reaching 6.5% is half-way, 4% is beyond the target.
        let k = kr(.kpi, start: 8, target: 5)
        #expect(k.direction == .decrease)
        #expect(k.progress(of: 6.5) == 0.5)
        #expect(k.progress(of: 4) > 1)
        #expect(k.score(of: 9) == 0)
    }

    @Test func successThresholdsByKind() {
        #expect(kr(.committed, start: 0, target: 10, final: 9.9).isSuccess() == false)
        #expect(kr(.committed, start: 0, target: 10, final: 10).isSuccess() == true)
        #expect(kr(.kpi, start: 0, target: 10, final: 10).isSuccess() == true)
        #expect(kr(.aspirational, start: 0, target: 10, final: 7).isSuccess() == true)
        #expect(kr(.aspirational, start: 0, target: 10, final: 6.9).isSuccess() == false)
        #expect(kr(.aspirational, start: 0, target: 10).isSuccess() == nil)
        // 0.7 computed in floating point ((0.7 − 0) / 1 may round below) still counts.
        #expect(kr(.aspirational, start: 0.1, target: 1.1, final: 0.8).isSuccess() == true)
    }
}

@Suite("Organisation tree")
struct OrganisationTests {
    let org = Organisation(name: "星海科技", units: [
        OrgUnit(id: "xh", name: "星海科技", attributes: ["stage": .init(kind: .string, text: "growth")]),
        OrgUnit(id: "rd", name: "研发中心", parentID: "xh", attributes: ["uncertainty": .init(kind: .string, text: "high")]),
        OrgUnit(id: "rd.algo", name: "算法研究组", parentID: "rd",
                attributes: ["uncertainty": .init(kind: .string, text: "medium")]),
        OrgUnit(id: "rd.data", name: "数据智能组", parentID: "rd"),
    ])

    @Test func inheritsFromNearestAncestorAndSaysFromWhere() throws {
        let stage = try #require(org.attribute("stage", of: "rd.data"))
        #expect(stage.value.text == "growth")
        #expect(stage.isInherited)
        #expect(stage.sourceUnitID == "xh")
        let u = try #require(org.attribute("uncertainty", of: "rd.data"))
        #expect(u.value.text == "high" && u.sourceUnitID == "rd")
        let own = try #require(org.attribute("uncertainty", of: "rd.algo"))
        #expect(own.value.text == "medium" && !own.isInherited && own.sourceUnitID == "rd.algo")
        #expect(org.attribute("missing", of: "rd.algo") == nil)
        let all = org.resolvedAttributes(of: "rd.algo")
        #expect(all.keys.sorted() == ["stage", "uncertainty"])
        #expect(all["stage"]?.sourceUnitID == "xh")
    }

    @Test func structure() {
        #expect(org.depth == 3)
        #expect(org.depths == [1, 2, 3, 3])
        #expect(org.roots == [0])
        #expect(org.children[1] == [2, 3])
        #expect(org.ancestors(of: "rd.algo") == ["rd", "xh"])
    }
}
