import Foundation
import OGFConfig
import OGFCore
import Testing
@testable import OGFPlan

@Suite struct DeployWindowsTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    let here = SourceLocation(file: "environments/production.yaml", line: 5, column: 7)

    func rule(_ effect: WindowRule.Effect, days: Set<Int>? = nil, hours: (Int, Int)? = nil, zone: TimeZone? = nil, _ text: String) -> WindowRule {
        WindowRule(effect: effect, days: days, hours: hours.map { (start: $0.0, end: $0.1) }, timeZone: zone ?? berlin, location: here, text: text)
    }

    func utc(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    /// The example: never Friday or at the weekend; otherwise 02:00–06:00 Berlin time.
    var mission: [WindowRule] {
        [rule(.deny, days: [6, 7, 1], "deny fri, sat, sun"), rule(.allow, hours: (120, 360), "allow 02:00-06:00 Europe/Berlin")]
    }

    @Test func denyBeatsAllowAndTheNextWindowIsNamed() {
        // Friday 2026-11-27 13:02 UTC = 14:02 in Berlin (CET).
        let v = DeployWindows.evaluate(mission, at: utc("2026-11-27T13:02:00Z"))
        #expect(!v.allowed)
        #expect(v.reason == "Friday 14:02 Europe/Berlin is in \"deny fri, sat, sun\" (environments/production.yaml:5:7)")
        #expect(v.nextOpen == utc("2026-11-30T01:00:00Z"))
        #expect(v.nextOpenText == "Mon 02:00 Europe/Berlin")
        // Friday inside the allowed hours: still denied.
        #expect(!DeployWindows.evaluate(mission, at: utc("2026-11-27T02:30:00Z")).allowed)
    }

    @Test func allowRulesBoundTheHours() {
        #expect(DeployWindows.evaluate(mission, at: utc("2026-11-30T02:00:00Z")).allowed, "Monday 03:00 Berlin")
        let late = DeployWindows.evaluate(mission, at: utc("2026-11-30T05:00:00Z"))  // Monday 06:00: the end is exclusive
        #expect(!late.allowed)
        #expect(late.reason?.hasPrefix("Monday 06:00 Europe/Berlin is outside every allow rule") == true)
        #expect(late.nextOpen == utc("2026-12-01T01:00:00Z"))
    }

    @Test func hoursAcrossMidnightWrap() {
        let night = [rule(.allow, hours: (22 * 60, 2 * 60), zone: TimeZone(identifier: "UTC"), "allow 22:00-02:00 UTC")]
        #expect(DeployWindows.evaluate(night, at: utc("2026-11-30T23:59:00Z")).allowed)
        #expect(DeployWindows.evaluate(night, at: utc("2026-12-01T00:00:00Z")).allowed)
        #expect(DeployWindows.evaluate(night, at: utc("2026-12-01T01:59:00Z")).allowed)
        let v = DeployWindows.evaluate(night, at: utc("2026-12-01T02:00:00Z"))
        #expect(!v.allowed)
        #expect(v.nextOpen == utc("2026-12-01T22:00:00Z"))
    }

    @Test func springForwardSkipsTheMissingHour() {
        // 2026-03-29: Berlin's clocks go from 02:00 CET straight to 03:00 CEST (01:00 UTC).
        // 02:00–06:00 local then opens at 03:00 CEST, the first local time that exists in it.
        let early = [rule(.allow, hours: (120, 360), "allow 02:00-06:00")]
        let v = DeployWindows.evaluate(early, at: utc("2026-03-28T12:00:00Z"))
        #expect(v.nextOpen == utc("2026-03-29T01:00:00Z"))
        #expect(v.nextOpenText == "Sun 03:00 Europe/Berlin")
        #expect(!DeployWindows.evaluate(early, at: utc("2026-03-29T00:59:00Z")).allowed, "01:59 CET")
    }

    @Test func fallBackCountsTheRepeatedHourTwice() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:00–03:00 local happens twice.
        let once = [rule(.allow, hours: (120, 180), "allow 02:00-03:00")]
        #expect(DeployWindows.evaluate(once, at: utc("2026-10-25T00:30:00Z")).allowed, "02:30 CEST")
        #expect(DeployWindows.evaluate(once, at: utc("2026-10-25T01:30:00Z")).allowed, "02:30 CET")
        #expect(!DeployWindows.evaluate(once, at: utc("2026-10-25T02:30:00Z")).allowed, "03:30 CET")
    }

    @Test func noRulesAllowAndAWeekWithoutAWindowSaysSo() {
        #expect(DeployWindows.evaluate([], at: Date()).allowed)
        let never = DeployWindows.evaluate([rule(.deny, "deny")], at: utc("2026-11-30T10:00:00Z"))
        #expect(!never.allowed)
        #expect(never.nextOpen == nil)
    }
}
