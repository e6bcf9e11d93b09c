import Foundation
import ProvisorCore
import Testing

extension Rehearsal {
    /// `provisor rightsize` against the rehearsal's engines, deciding (and their clocks set) as on `at`.
    func rightsize(_ extra: [String] = [], at: String = RightsizeCommandTests.today, environment: [String: String] = [:]) throws -> Run {
        try provisor(
            ["rightsize", "--config", "provisor.yaml", "--state", state, "--simulate", engines, "--at", at, "--actor", "test-runner"] + extra,
            in: directory, environment: environment)
    }

    /// Each of `customer`'s subscriptions on csp-eu: id → (quantity, renewal quantity).
    func subscriptions(of customer: String) throws -> [String: (Int, Int?)] {
        let tenants = try engineModel("csp-eu")["tenants"] as! [String: Any]
        let held = (tenants[customer] as! [String: Any])["subscriptions"] as! [String: [String: Any]]
        return held.mapValues { ($0["quantity"] as! Int, $0["renewalQuantity"] as? Int) }
    }
}

/// `provisor rightsize` against the simulated CSP engine: the example estate is provisioned on
/// 2026-11-01, then licences change behind Provisor's back, and on 2026-11-21 right-sizing runs.
/// The engines' clocks are recorded in their state directories, so nothing here depends on the
/// machine's date.
@Suite(.serialized) struct RightsizeCommandTests {
    static let today = "2026-11-21"

    /// The estate provisioned on the 1st; then on csp-eu: 3 SPB licences for JBL bought on the
    /// 19th (still refundable), 2 annual Business Standard licences on the 2nd (no longer), a
    /// Business Basic licence given by hand to a user no manifest has, and a trial. The engines'
    /// clocks then stand at 2026-11-21.
    func prepare(_ rehearsal: Rehearsal) throws {
        try rehearsal.setClock("2026-11-01")
        let provisioned = try rehearsal.reconcile()
        #expect(provisioned.status == 0, "\(provisioned.stdout)\(provisioned.stderr)")
        try rehearsal.outOfBand("csp-eu", ["--subscription", "sub-jbl-spb-p1m", "quantity=5", "addedAt=2026-11-19"])
        try rehearsal.outOfBand("csp-eu", ["--subscription", "sub-jbl-o365_business_premium-p1y", "quantity=4", "addedAt=2026-11-02"])
        try rehearsal.outOfBand("csp-eu", ["--add", "customer/JBL/user/zed/service/m365", "plan.license.sku=O365_BUSINESS_ESSENTIALS"])
        try rehearsal.outOfBand("csp-eu", ["--subscription", "sub-jbl-e3-trial", "customer=JBL", "sku=SPE_E3", "term=P1M", "trial=true", "quantity=25"])
        try rehearsal.setClock(Self.today)
    }

    func decisions(_ run: Run) throws -> [String: [String: Any]] {
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        var all: [String: [String: Any]] = [:]
        for group in report["groups"] as! [[String: Any]] {
            for decision in group["decisions"] as! [[String: Any]] { all[decision["subscription"] as! String] = decision }
        }
        return all
    }

    @Test func rightsizeDecidesAppliesThroughTheJournalAndLeavesTheEngineRightSized() async throws {
        try await withRehearsal { rehearsal in
            try prepare(rehearsal)
            let before = try rehearsal.subscriptions(of: "JBL")
            #expect(before["sub-jbl-spb-p1m"]! == (5, nil) && before["sub-jbl-o365_business_essentials-p1m"]! == (5, nil))

            let planned = try rehearsal.rightsize(["--dry-run", "--format", "json"])
            #expect(planned.status == 2, "\(planned.stderr)")
            let saved = rehearsal.directory.appendingPathComponent("rightsize.json").path
            try planned.stdout.write(toFile: saved, atomically: true, encoding: .utf8)
            let verdict = try schemaCheck([saved], schema: "rightsize.schema.json")
            #expect(verdict.contains("\"valid\": true") && !verdict.contains("\"valid\": false"), "\(verdict)")
            let decided = try decisions(planned)
            #expect(decided["sub-jbl-spb-p1m"]?["action"] as? String == "decrease" && decided["sub-jbl-spb-p1m"]?["quantity_after"] as? Int == 2)
            #expect(decided["sub-jbl-spb-p1m"]?["reason"] as? String == "2 assigned + 0 buffer = 2 < 5 purchased; 3 still refundable")
            let annual = decided["sub-jbl-o365_business_premium-p1y"]!
            #expect(annual["action"] as? String == "schedule-renewal" && annual["quantity_after"] as? Int == 4 && annual["renewal_quantity"] as? Int == 2)
            // The licence given by hand counts: 5 in use, so nothing is taken back; 4 are billed.
            let basic = decided["sub-jbl-o365_business_essentials-p1m"]!
            #expect(basic["action"] as? String == "none" && basic["reason"] as? String == "5 assigned (1 not billed) + 0 buffer = 5 = purchased")
            #expect(decided["sub-jbl-e3-trial"]?["reason"] as? String == "a trial: nothing is bought or refunded")
            // CHC keeps one spare licence (its overrides say buffer: 1): each SKU buys one more.
            #expect(decided["sub-chc-spb-p1m"]?["action"] as? String == "increase" && decided["sub-chc-spb-p1m"]?["quantity_after"] as? Int == 2)
            #expect(try rehearsal.subscriptions(of: "JBL")["sub-jbl-spb-p1m"]! == (5, nil), "a dry run changes nothing")

            let human = try rehearsal.rightsize(["--dry-run", "--customer", "JBL"])
            #expect(human.status == 2)
            #expect(human.stdout.contains("  decrease  sub-jbl-spb-p1m (P1M, renews 2026-12-01)  5 → 2\n"))
            #expect(human.stdout.contains("  customer JBL    before         14         9       8  144.00    91.00  -53.00    -58.24\n"), "\(human.stdout)")
            let csv = try rehearsal.rightsize(["--dry-run", "--format", "csv"])
            #expect(csv.stdout.contains("\ndecision,JBL,SPB,sub-jbl-spb-p1m,decrease,5,2,,5,2,2,2,80.00,32.00,42.00,42.00,-38.00,10.00,-90.48,23.81,"))

            let applied = try rehearsal.rightsize(["--metrics-file", "rightsize.prom"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(applied.stdout.contains("Applied: 5 adjusted, 0 failed."))
            // Its metrics: the decisions, the adjustments, and the margin before and after.
            let metrics = try String(contentsOf: rehearsal.directory.appendingPathComponent("rightsize.prom"), encoding: .utf8)
            #expect(metric("provisor_run_outcome", [#"command="rightsize""#, #"outcome="succeeded""#], in: metrics) == 1)
            #expect(metric("provisor_rightsizing_adjustments", [#"outcome="succeeded""#], in: metrics) == 5)
            #expect(metric("provisor_rightsizing_decisions", [#"action="schedule-renewal""#], in: metrics) ?? 0 >= 1)
            let margin = { (when: String) in metric("provisor_rightsizing_monthly_margin", [#"level="provider""#, #"when="\#(when)""#], in: metrics) }
            #expect((margin("after") ?? 0) > (margin("before") ?? 0), "\(metrics)")
            #expect(metric("provisor_rightsizing_monthly_cost", [#"level="reseller""#, #"name="ACME""#, #"when="after""#], in: metrics) != nil)
            if Prometheus.promtool != nil { #expect(try Prometheus.check(metrics).status == 0) }
            let after = try rehearsal.subscriptions(of: "JBL")
            #expect(after["sub-jbl-spb-p1m"]! == (2, nil))
            #expect(after["sub-jbl-o365_business_premium-p1y"]! == (4, 2))
            #expect(after["sub-jbl-o365_business_essentials-p1m"]! == (5, nil) && after["sub-jbl-e3-trial"]! == (25, nil))
            #expect(try rehearsal.subscriptions(of: "CHC")["sub-chc-spb-p1m"]! == (2, nil))

            let again = try rehearsal.rightsize(["--dry-run"])
            #expect(again.status == 0 && again.stdout.contains("Every subscription is right-sized."), "\(again.stdout)")
            let history = try provisor(["history", "customer/JBL/subscription/sub-jbl-spb-p1m", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(history.stdout.contains("adjust-subscription customer/JBL/subscription/sub-jbl-spb-p1m  by test-runner"))
            #expect(history.stdout.contains("quantity: 5 → 2\n"), "the renewal follows the quantity, so it is not listed")
            let sent = try rehearsal.log().filter { $0["action"] as? String == "adjust-subscription" && $0["outcome"] as? String == "applied" }
            #expect(sent.count == 5)
            // A rehearsal at --at runs wholly on that date: the engines and the audit log alike.
            let today = ISODate.parse(Self.today)!
            #expect(sent.allSatisfy { $0["at"] as? Double == today.timeIntervalSince1970 }, "\(sent.map { $0["at"] })")
            let dated = try provisor(
                ["history", "customer/JBL/subscription/sub-jbl-spb-p1m", "--state", rehearsal.state, "--format", "json"], in: rehearsal.directory)
            let entries = (try JSONSerialization.jsonObject(with: Data(dated.stdout.utf8)) as! [String: Any])["entries"] as! [[String: Any]]
            #expect(entries.map { $0["at"] as? String } == ["2026-11-21T00:00:00Z"])
        }
    }

    @Test func theEngineRefusesALateDecreaseAndAFailedAdjustmentExitsOne() async throws {
        try await withRehearsal { rehearsal in
            try prepare(rehearsal)
            // Sent by hand, a decrease of licences bought 19 days ago is refused, as Microsoft would.
            let engine = Process()
            engine.executableURL = simulatedEngineBinary
            engine.arguments = ["--state-dir", "\(rehearsal.engines)/csp-eu", "--engine", "csp-eu"]
            let input = Pipe(), output = Pipe()
            (engine.standardInput, engine.standardOutput) = (input, output)
            try engine.run()
            let message =
                #"{"id":"pm-late","action":"adjust-subscription","kind":"subscription","address":"customer/JBL/subscription/sub-jbl-o365_business_premium-p1y","subscription":{"quantity":2,"renewalQuantity":2}}"#
            input.fileHandleForWriting.write(Data((message + "\n").utf8))
            try input.fileHandleForWriting.close()
            let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            engine.waitUntilExit()
            #expect(answer.contains(#""status":"failed""#) && answer.contains("only 0 licence(s) were bought in the last 7 days"), "\(answer)")
            #expect(try rehearsal.subscriptions(of: "JBL")["sub-jbl-o365_business_premium-p1y"]! == (4, nil))

            // An engine that refuses one adjustment: the others go ahead, the run exits 1.
            let failing = try rehearsal.rightsize(environment: ["PROVISOR_SIMULATED_FAIL": "customer/JBL/subscription/sub-jbl-spb-p1m"])
            #expect(failing.status == 1)
            #expect(
                failing.stdout.contains("Applied: 4 adjusted, 1 failed.\n  ✗ customer/JBL/subscription/sub-jbl-spb-p1m on csp-eu: injected failure"),
                "\(failing.stdout)")
            #expect(try rehearsal.subscriptions(of: "JBL")["sub-jbl-o365_business_premium-p1y"]! == (4, 2))
        }
    }

    @Test func anUnreadableEngineAndBadInputAreErrorsThatChangeNothing() async throws {
        try await withRehearsal { rehearsal in
            try prepare(rehearsal)
            let unreadable = try rehearsal.rightsize(environment: ["PROVISOR_SIMULATED_UNREADABLE": "csp-eu"])
            #expect(unreadable.status == 1)
            #expect(
                unreadable.stderr.contains(
                    "error: csp-eu: its licence subscriptions cannot be read: engine 'csp-eu' could not be read: injected: the csp-eu API cannot be read"))
            #expect(unreadable.stderr.contains("The customers on that engine were not right-sized."))
            #expect(try rehearsal.subscriptions(of: "JBL")["sub-jbl-spb-p1m"]! == (5, nil))

            let fresh = rehearsal.directory.appendingPathComponent("fresh.db").path
            let noState = try provisor(
                ["rightsize", "--config", "provisor.yaml", "--state", fresh, "--simulate", rehearsal.engines, "--at", Self.today, "--dry-run"],
                in: rehearsal.directory)
            #expect(noState.status == 2 && !FileManager.default.fileExists(atPath: fresh), "a dry run creates no state: \(noState.stderr)")

            let badDate = try rehearsal.rightsize(["--dry-run"], at: "21/11/2026")
            #expect(badDate.status == 1 && badDate.stderr.contains("error: --at '21/11/2026' is not a date; write it like 2026-11-21"))
            let unknown = try rehearsal.rightsize(["--dry-run", "--customer", "NOPE"])
            #expect(unknown.status == 1 && unknown.stderr.contains("error: no customer 'NOPE' in the manifests"))
            let realRunAtADate = try provisor(
                ["rightsize", "--config", "provisor.yaml", "--state", rehearsal.state, "--at", "2026-11-21"], in: rehearsal.directory)
            #expect(realRunAtADate.status != 0 && realRunAtADate.stderr.contains("--at decides for another date"))
            try rehearsal.edit("services/m365.yaml") { $0.replacingOccurrences(of: "decreases: automatic", with: "decreases: sometimes") }
            let invalid = try rehearsal.rightsize(["--dry-run"])
            #expect(invalid.status == 1 && invalid.stderr.contains("invalid value 'sometimes' for 'decreases'"))
            #expect(try rehearsal.log().filter { $0["action"] as? String == "adjust-subscription" && $0["outcome"] as? String == "applied" }.isEmpty)
        }
    }
}
