import Foundation
import Testing

/// `--log-format json`: standard error carries one JSON object per line and nothing else.
@Suite(.serialized) struct LogFormatTests {
    /// Every line of `stderr` as an object; a line that is not one fails the test.
    func events(_ stderr: String) throws -> [[String: Any]] {
        try stderr.split(separator: "\n").map { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object, "not a JSON object: \(line)")
        }
    }

    func expectWellFormed(_ events: [[String: Any]], command: String, _ stderr: String) {
        let runs = Set(events.compactMap { $0["run"] as? String })
        #expect(runs.count == 1, "one run id for every event")
        #expect(events.allSatisfy { $0["command"] as? String == command && $0["time"] is String && $0["level"] is String && $0["event"] is String })
        #expect(events.first?["event"] as? String == "run-started" && events.last?["event"] as? String == "run-finished")
        for secret in Rehearsal.secrets.values { #expect(!stderr.contains(secret), "no secret's value in the log") }
    }

    @Test func reconcileLogsEachChangeWithItsAddressEngineAndOutcome() async throws {
        try await withRehearsal { rehearsal in
            let run = try rehearsal.reconcile(["--log-format", "json"], environment: ["JBL_ALICE_PASSWORD": ""])
            #expect(run.status == 1)
            let logged = try events(run.stderr)
            expectWellFormed(logged, command: "reconcile", run.stderr)
            let changes = logged.filter { $0["event"] as? String == "change" }
            #expect(changes.count == ApplyCommandTests.total)
            let jbl = try #require(changes.first { $0["address"] as? String == "customer/JBL" })
            #expect(jbl["engine"] as? String == "platform-eu" && jbl["action"] as? String == "create" && jbl["outcome"] as? String == "succeeded")
            #expect(jbl["attempts"] as? Int == 1 && jbl["level"] as? String == "info")
            let alice = try #require(changes.first { $0["address"] as? String == "customer/JBL/user/alice" })
            #expect(alice["level"] as? String == "error" && alice["outcome"] as? String == "failed")
            #expect((alice["message"] as? String)?.contains("secret env:JBL_ALICE_PASSWORD is not set") == true, "\(alice)")
            #expect(changes.contains { $0["outcome"] as? String == "skipped" && $0["level"] as? String == "warning" })
            let finished = try #require(logged.last)
            #expect(finished["outcome"] as? String == "failed" && finished["level"] as? String == "error" && finished["durationMs"] is Int)
            // The results still go to standard output as text.
            #expect(run.stdout.contains("Apply: \(ApplyCommandTests.total - 2) succeeded, 1 failed, 1 skipped."))
        }
    }

    @Test func driftLogsEachReadingAndEachDriftedResource() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.driftThreeWays()
            let run = try rehearsal.drift(["--log-format", "json"])
            #expect(run.status == 2)
            let logged = try events(run.stderr)
            expectWellFormed(logged, command: "drift", run.stderr)
            #expect(logged.contains { $0["event"] as? String == "engine-read" && $0["engine"] as? String == "platform-eu" && $0["resources"] is Int })
            let drifts = logged.filter { $0["event"] as? String == "drift" }
            #expect(Set(drifts.compactMap { $0["kind"] as? String }) == ["changed", "missing", "unmanaged"])
            let changed = try #require(drifts.first { $0["kind"] as? String == "changed" })
            #expect(changed["address"] as? String == "customer/JBL/user/alice" && changed["engine"] as? String == "platform-eu")
            #expect((changed["message"] as? String)?.contains("displayName") == true)
            #expect(logged.last?["outcome"] as? String == "drifted")

            // --timings, and an engine that cannot be read: still nothing but JSON, and the run
            // is errored, since it did not read every engine.
            let timed = try rehearsal.drift(["--log-format", "json", "--timings"], environment: ["PROVISOR_SIMULATED_UNREADABLE": "csp-eu"])
            let timedEvents = try events(timed.stderr)
            expectWellFormed(timedEvents, command: "drift", timed.stderr)
            let timings = try #require(timedEvents.first { $0["event"] as? String == "timings" })
            #expect(timings["load"] is Int && timings["render"] is Int, "\(timings)")
            #expect(timedEvents.last?["outcome"] as? String == "errored")
        }
    }

    @Test func anInvalidManifestIsADiagnosticEventAtItsFileLineAndColumn() async throws {
        try await withRehearsal { rehearsal in
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "kind: Customer", with: "kind: Custommer") }
            let run = try rehearsal.drift(["--log-format", "json"])
            #expect(run.status == 1)
            let logged = try events(run.stderr)
            expectWellFormed(logged, command: "drift", run.stderr)
            let diagnostic = try #require(logged.first { $0["event"] as? String == "diagnostic" })
            #expect((diagnostic["location"] as? String)?.hasPrefix("manifests/customers/jbl/customer.yaml:") == true, "\(diagnostic)")
            #expect((diagnostic["location"] as? String)?.split(separator: ":").count == 3, "file:line:col")
            #expect(logged.contains { $0["event"] as? String == "run-failed" && $0["level"] as? String == "error" })
            #expect(logged.last?["outcome"] as? String == "errored")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func anUnknownLogFormatIsRefused() throws {
        let run = try provisor(["drift", "--log-format", "xml"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--log-format") && run.stderr.contains("human") && run.stderr.contains("json"), "\(run.stderr)")
    }
}
