import Foundation
import Testing

/// Prometheus' tools from Debian: `promtool` (package prometheus) checks the exposition text,
/// `prometheus-pushgateway` receives pushes.
enum Prometheus {
    static let promtool = ["/usr/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let pushgateway = ["/usr/bin/prometheus-pushgateway"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["PROVISOR_REQUIRE_PROMETHEUS"] == "1"
    static let skipped = "no promtool or prometheus-pushgateway: install Debian's prometheus and prometheus-pushgateway"

    /// `promtool check metrics` on `text`: its exit status and what it said.
    static func check(_ text: String) throws -> (status: Int32, said: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(promtool))
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, said)
    }

    /// A port nothing listens on now.
    static func freePort() throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return try #require(
            Int(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A throw-away Pushgateway on 127.0.0.1 (metrics kept in memory), stopped after `body`.
    static func withPushgateway(_ body: (String) async throws -> Void) async throws {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(pushgateway))
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: the test process may block SIGTERM, and a child inherits the mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)"
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? scrape(url)) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        _ = try scrape(url)
        try await body(url)
    }

    /// The Pushgateway's /metrics page.
    static func scrape(_ url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())", url + "/metrics",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let page = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Unreachable() }
        return page
    }

    struct Unreachable: Error {}
}

/// The value of the sample of `name` whose labels include each of `labels`.
func metric(_ name: String, _ labels: [String], in text: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
        let head = line.split(separator: " ").first.map(String.init) ?? ""
        if labels.allSatisfy({ head.contains($0) }) { return line.split(separator: " ").last.flatMap { Double($0) } }
    }
    return nil
}

/// The sum of `name` over every sample with `label`.
func metricTotal(_ name: String, _ label: String, in text: String) -> Double {
    text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && $0.contains(label) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        .reduce(0, +)
}

private let tools = ConditionTrait.enabled(
    if: (Prometheus.promtool != nil && Prometheus.pushgateway != nil) || Prometheus.required, Comment(rawValue: Prometheus.skipped))

@Suite(.serialized) struct MetricsTests {
    func file(_ rehearsal: Rehearsal, _ name: String) throws -> String {
        try String(contentsOf: rehearsal.directory.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(tools) func driftWritesItsFindingsToAFileThatPromtoolAccepts() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile(["--metrics-file", "reconcile.prom"]).status == 0)
            let reconciled = try file(rehearsal, "reconcile.prom")
            #expect(try Prometheus.check(reconciled).status == 0)
            #expect(metric("provisor_run_outcome", [#"command="reconcile""#, #"outcome="succeeded""#], in: reconciled) == 1)
            #expect(metric("provisor_reconcile_planned_changes", [], in: reconciled) == Double(ApplyCommandTests.total))
            #expect(metric("provisor_reconcile_changes", [#"action="create""#, #"outcome="succeeded""#], in: reconciled) == Double(ApplyCommandTests.total))

            #expect(try rehearsal.drift(["--metrics-file", "drift.prom"]).status == 0)
            let clean = try file(rehearsal, "drift.prom")
            let checked = try Prometheus.check(clean)
            #expect(checked.status == 0, "\(checked.said)")
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="succeeded""#], in: clean) == 1)
            #expect(metric("provisor_engine_readable", [#"engine="csp-eu""#], in: clean) == 1)
            #expect(metric("provisor_drift_resources", [#"kind="changed""#, #"engine="platform-eu""#], in: clean) == 0)
            let succeeded = try #require(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: clean))
            #expect(succeeded == metric("provisor_run_timestamp_seconds", [#"command="drift""#], in: clean))

            try rehearsal.driftThreeWays()
            #expect(try rehearsal.drift(["--metrics-file", "drift.prom"]).status == 2)
            let drifted = try file(rehearsal, "drift.prom")
            #expect(try Prometheus.check(drifted).status == 0)
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="drifted""#], in: drifted) == 1)
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="succeeded""#], in: drifted) == 0)
            let kinds = ["changed", "missing", "unmanaged"].map { metricTotal("provisor_drift_resources", #"kind="\#($0)""#, in: drifted) }
            #expect(kinds == [1, 1, 1], "one attribute changed, one mailbox deleted, one extra user")

            // No engine readable: not a success, so the staleness and run-failed alerts fire.
            let lastSuccess = try #require(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: drifted))
            let blind = try rehearsal.drift(["--metrics-file", "drift.prom"], environment: ["PROVISOR_SIMULATED_UNREADABLE": "*"])
            #expect(blind.status == 2, "every recorded resource is unknown")
            let unread = try file(rehearsal, "drift.prom")
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="errored""#], in: unread) == 1)
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="drifted""#], in: unread) == 0)
            #expect(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: unread) == lastSuccess, "kept from the last reading")
            #expect(metric("provisor_engine_readable", [#"engine="csp-eu""#], in: unread) == 0)
        }
    }

    @Test(tools) func aFailedRunKeepsTheLastSuccessAndABadDestinationOnlyWarns() async throws {
        try await withRehearsal { rehearsal in
            let earlier = """
                # HELP provisor_last_success_timestamp_seconds When the command last succeeded.
                # TYPE provisor_last_success_timestamp_seconds gauge
                provisor_last_success_timestamp_seconds{command="drift"} 1790000000

                """
            try earlier.write(to: rehearsal.directory.appendingPathComponent("drift.prom"), atomically: true, encoding: .utf8)
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "kind: Customer", with: "kind: Custommer") }
            let invalid = try rehearsal.drift(["--metrics-file", "drift.prom"])
            #expect(invalid.status == 1)
            let failed = try file(rehearsal, "drift.prom")
            #expect(try Prometheus.check(failed).status == 0)
            #expect(metric("provisor_run_outcome", [#"command="drift""#, #"outcome="errored""#], in: failed) == 1)
            #expect(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: failed) == 1_790_000_000, "kept from the last run")
            #expect(!FileManager.default.fileExists(atPath: rehearsal.directory.appendingPathComponent("drift.prom.tmp").path))

            // A directory that does not exist: the run's own result, and a warning that says where.
            let nowhere = try rehearsal.drift(["--metrics-file", "no/such/dir/drift.prom"])
            #expect(nowhere.status == 1)
            #expect(nowhere.stderr.contains("warning: cannot write the metrics to 'no/such/dir/drift.prom': the folder 'no/such/dir' does not exist"))
            #expect(nowhere.stderr.contains("The run's own result is unchanged."))
        }
    }

    @Test(tools) func aRefusedPlanIsCountedAndAnErroredOutcome() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            // Every customer of one reseller gone: more deletions than provisor.yaml allows.
            for customer in ["jbl", "fsg"] {
                try FileManager.default.removeItem(at: rehearsal.directory.appendingPathComponent("manifests/customers/\(customer)"))
            }
            let refused = try rehearsal.reconcile(["--metrics-file", "reconcile.prom"])
            #expect(refused.status == 1 && refused.stderr.contains("The plan is refused"), "\(refused.stderr)")
            let text = try file(rehearsal, "reconcile.prom")
            #expect(try Prometheus.check(text).status == 0)
            #expect(metric("provisor_run_outcome", [#"command="reconcile""#, #"outcome="errored""#], in: text) == 1)
            #expect((metric("provisor_plan_refusals", [], in: text) ?? 0) >= 1)
        }
    }

    @Test(tools) func metricsArePushedToAPushgatewayAndOneThatIsDownOnlyWarns() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try await Prometheus.withPushgateway { url in
                #expect(try rehearsal.drift(["--pushgateway", url]).status == 0)
                let page = try Prometheus.scrape(url)
                #expect(
                    metric("provisor_run_outcome", [#"command="drift""#, #"job="provisor""#, #"outcome="succeeded""#], in: page) == 1, "\(page.prefix(3000))")
                #expect(metric("provisor_engine_readable", [#"engine="platform-eu""#, #"job="provisor""#], in: page) == 1)
                let first = try #require(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: page))

                // A failed run replaces the group and keeps the last success read back from it.
                try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "kind: Customer", with: "kind: Custommer") }
                #expect(try rehearsal.drift(["--pushgateway", url]).status == 1)
                let after = try Prometheus.scrape(url)
                #expect(metric("provisor_run_outcome", [#"command="drift""#, #"job="provisor""#, #"outcome="errored""#], in: after) == 1)
                #expect(metric("provisor_last_success_timestamp_seconds", [#"command="drift""#], in: after) == first)
            }
            // Nothing listens there any more: the run still ends with its own status.
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "kind: Custommer", with: "kind: Customer") }
            let port = try Prometheus.freePort()
            let down = try rehearsal.drift(["--pushgateway", "http://127.0.0.1:\(port)"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(
                down.stderr.contains("warning: cannot push the metrics to the Pushgateway at http://127.0.0.1:\(port): the connection was refused"),
                "\(down.stderr)")
        }
    }

    /// The example alert rules are valid, and fire on the series Provisor writes (their unit
    /// tests run with `promtool test rules`).
    @Test(tools) func theExampleAlertRulesCheckAndPassTheirTests() throws {
        let folder = packageRoot.appendingPathComponent("examples/deploy/prometheus")
        for arguments in [["check", "rules", "provisor-alerts.yml"], ["test", "rules", "provisor-alerts.test.yml"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(Prometheus.promtool))
            process.arguments = arguments
            process.currentDirectoryURL = folder
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0 && said.contains("SUCCESS"), "promtool \(arguments.joined(separator: " ")): \(said)")
        }
    }
}
