import Foundation
import ProvisorCore
import Testing

/// Runs the bundled simulated engine with `arguments`, feeding it `input`.
func simulatedEngine(_ arguments: [String], input: String = "") throws -> Run {
    let process = Process()
    process.executableURL = simulatedEngineBinary
    process.arguments = arguments
    let stdin = Pipe(), out = Pipe(), err = Pipe()
    (process.standardInput, process.standardOutput, process.standardError) = (stdin, out, err)
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// The simulated engine's clock: recorded in its state directory, overridden for one run by
/// `--now`, and never the machine's date once recorded. Its subscriptions' terms, renewals and
/// refund windows follow it.
@Suite struct SimulatedEngineClockTests {
    /// The subscription `id` of customer JBL as the engine shows it (at `now`, when given).
    func subscription(_ id: String, in directory: URL, now: String? = nil) throws -> [String: Any] {
        let shown = try simulatedEngine(["--state-dir", directory.path] + (now.map { ["--now", $0] } ?? []) + ["--show"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let tenants = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [String: Any]
        return ((tenants["tenants"] as! [String: Any])["JBL"] as! [String: Any])["subscriptions"].flatMap { ($0 as! [String: Any])[id] } as! [String: Any]
    }

    @Test func subscriptionsFollowTheRecordedClockAndRenewWhenItPassesTheirTermEnd() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try simulatedEngine(["--state-dir", directory.path, "--clock", "2027-01-31T23:30:00Z"]).status == 0)
            let opened = try simulatedEngine(["--state-dir", directory.path, "--subscription", "sub-1", "customer=JBL", "sku=SPB", "term=P1M", "quantity=3"])
            #expect(opened.status == 0, "\(opened.stderr)")

            // Bought on the recorded date: one month's term (to the last day of February, as
            // Partner Center ends a month-end purchase), refundable for 7 days.
            let bought = try subscription("sub-1", in: directory)
            #expect(bought["termEnd"] as? String == "2027-02-28T23:30:00Z")
            let batch = (bought["batches"] as! [[String: Any]])[0]
            #expect(batch["addedAt"] as? String == "2027-01-31T23:30:00Z" && batch["refundableUntil"] as? String == "2027-02-07T23:30:00Z")

            // --now moves this run only: past the term end it has renewed, as a new batch.
            let renewed = try subscription("sub-1", in: directory, now: "2027-03-01")
            #expect(renewed["termEnd"] as? String == "2027-03-28T23:30:00Z" && renewed["quantity"] as? Int == 3, "\(renewed)")
            #expect(try subscription("sub-1", in: directory)["termEnd"] as? String == "2027-02-28T23:30:00Z", "the recorded clock stays")

            // Recording a later date renews it for every later run; the log is dated by the clock.
            #expect(try simulatedEngine(["--state-dir", directory.path, "--clock", "2028-02-29T12:00:00Z"]).status == 0)
            let leap = try subscription("sub-1", in: directory)
            #expect(ISODate.parse(leap["termEnd"] as! String)! > ISODate.parse("2028-02-29T12:00:00Z")!, "\(leap)")
            let log = try String(contentsOf: directory.appendingPathComponent("log.jsonl"), encoding: .utf8)
            let entry = try JSONSerialization.jsonObject(with: Data(log.split(separator: "\n")[0].utf8)) as! [String: Any]
            #expect(entry["at"] as? Double == ISODate.parse("2027-01-31T23:30:00Z")!.timeIntervalSince1970)
        }
    }

    @Test func aBadClockIsRefusedAndChangesNothing() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try simulatedEngine(["--state-dir", directory.path, "--clock", "2026-11-21"]).status == 0)
            let clockFile = directory.appendingPathComponent("clock")
            #expect(try String(contentsOf: clockFile, encoding: .utf8) == "2026-11-21T00:00:00Z\n")

            let bad = try simulatedEngine(["--state-dir", directory.path, "--clock", "21/11/2026"])
            #expect(bad.status == 1 && bad.stderr.contains("--clock '21/11/2026' is not a date like 2026-11-21 or 2026-11-21T09:00:00Z (or 'system')"))
            #expect(try String(contentsOf: clockFile, encoding: .utf8) == "2026-11-21T00:00:00Z\n")
            let badNow = try simulatedEngine(["--state-dir", directory.path, "--now", "tomorrow", "--show"])
            #expect(badNow.status == 1 && badNow.stderr.contains("--now 'tomorrow' is not a date"))
            let missing = try simulatedEngine(["--state-dir", directory.path, "--clock"])
            #expect(missing.status == 64 && missing.stderr.contains("Missing value for '--clock <date>'"))

            try "yesterday\n".write(to: clockFile, atomically: true, encoding: .utf8)
            let damaged = try simulatedEngine(["--state-dir", directory.path, "--show"])
            #expect(
                damaged.status == 1 && damaged.stderr.contains("the clock recorded in '\(clockFile.path)' ('yesterday') is not a date"), "\(damaged.stderr)")
            #expect(try simulatedEngine(["--state-dir", directory.path, "--clock", "system"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: clockFile.path))
            #expect(try simulatedEngine(["--state-dir", directory.path, "--show"]).status == 0)
        }
    }
}
