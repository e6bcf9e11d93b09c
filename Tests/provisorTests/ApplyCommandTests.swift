import Foundation
import ProvisorSQLite
import ProvisorTesting
import Testing

/// A copy of the example estate applied through the simulated engine (`--simulate`), each engine
/// a real subprocess keeping its tenant model and log under `engines/<name>`.
struct Rehearsal {
    let directory: URL
    /// A PostgreSQL database's URL (with its password) to record the state in, instead of
    /// state.db: passed as `--state env:PROVISOR_DATABASE_URL`, never on the command line.
    var database: String? = nil
    var state: String { database == nil ? directory.appendingPathComponent("state.db").path : "env:PROVISOR_DATABASE_URL" }
    /// More variables for every run (and the engines it starts).
    var environmentExtras: [String: String] = [:]
    /// What every run's environment holds: the secrets, the database URL when there is one, and
    /// the extras.
    var environment: [String: String] {
        Self.secrets.merging(database.map { ["PROVISOR_DATABASE_URL": $0] } ?? [:]) { $1 }.merging(environmentExtras) { $1 }
    }
    var engines: String { directory.appendingPathComponent("engines").path }

    /// Every secret the examples reference, set to a value that must never be stored.
    static let secrets: [String: String] = {
        let manifests = packageRoot.appendingPathComponent("examples/manifests").path
        var names = Set<String>()
        for path in FileManager.default.enumerator(atPath: manifests)!.compactMap({ $0 as? String }) where path.hasSuffix(".yaml") {
            let text = try! String(contentsOfFile: manifests + "/" + path, encoding: .utf8)
            for match in text.matches(of: /env:([A-Z0-9_]+)/) { names.insert(String(match.1)) }
        }
        return Dictionary(uniqueKeysWithValues: names.map { ($0, "s3cret-\($0.lowercased())") })
    }()

    /// Every engine the example estate names; a rehearsal simulates each under `engines/<name>`.
    static let engineNames: [String] = {
        let manifests = packageRoot.appendingPathComponent("examples/manifests").path
        var names: [String] = []
        for path in FileManager.default.enumerator(atPath: manifests)!.compactMap({ $0 as? String }) where path.hasSuffix(".yaml") {
            let text = try! String(contentsOfFile: manifests + "/" + path, encoding: .utf8)
            for match in text.matches(of: /kind: Engine\nmetadata: \{ name: ([a-z0-9-]+) \}/) { names.append(String(match.1)) }
        }
        return names.sorted()
    }()

    /// Stands every engine's clock at `date`, recorded in its state directory: what the
    /// rehearsal's engines buy, renew and refund follows that calendar, not the machine's.
    func setClock(_ date: String) throws {
        for engine in Self.engineNames {
            let process = Process()
            process.executableURL = simulatedEngineBinary
            process.arguments = ["--state-dir", "\(engines)/\(engine)", "--clock", date]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "recording the clock of \(engine)")
        }
    }

    func reconcile(_ extra: [String] = [], environment: [String: String] = [:]) throws -> Run {
        try provisor(
            ["reconcile", "--config", "provisor.yaml", "--state", state, "--simulate", engines, "--actor", "test-runner"] + extra,
            in: directory, environment: self.environment.merging(environment) { $1 })
    }

    /// Every line of every engine's log.
    func log() throws -> [[String: Any]] {
        var entries: [[String: Any]] = []
        for engine in (try? FileManager.default.contentsOfDirectory(atPath: engines)) ?? [] {
            let text = (try? String(contentsOfFile: "\(engines)/\(engine)/log.jsonl", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                entries.append(try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])
            }
        }
        return entries
    }

    /// How many times each address was applied with each action ("provision customer/JBL": 1).
    func appliedCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in try log() where entry["outcome"] as? String == "applied" {
            counts["\(entry["action"]!) \(entry["address"]!)", default: 0] += 1
        }
        return counts
    }

    func engineModel(_ engine: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = simulatedEngineBinary
        process.arguments = ["--state-dir", "\(engines)/\(engine)", "--show"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Starts reconcile in the background with every simulated engine taking `delay` ms a
    /// message, and returns once the engines have logged `entries` lines (or after a minute).
    func startSlowReconcile(delay: Int, after entries: Int) async throws -> (Process, Pipe) {
        let arguments = ["reconcile", "--config", "provisor.yaml", "--state", state, "--simulate", engines]
        let started = try startProvisor(arguments, in: directory, environment: environment.merging(["PROVISOR_SIMULATED_DELAY_MS": "*=\(delay)"]) { $1 })
        let deadline = Date().addingTimeInterval(60)
        while try log().count < entries, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        return started
    }

    /// Makes every engine of engines.yaml the simulated one (its model under engines/NAME), but
    /// `name`, whose spec becomes `spec` (YAML lines starting with "spec:").
    func simulateEngines(except name: String, as spec: String) throws {
        try edit("engines.yaml") { text in
            var documents = text.components(separatedBy: "\n---\n")
            for (index, document) in documents.enumerated() {
                guard let engine = document.firstMatch(of: /metadata: \{ name: ([a-z0-9-]+) \}/)?.1 else { continue }
                let head = document[..<document.range(of: "spec:")!.lowerBound]
                documents[index] = head + (engine == name ? spec : "spec:\n  adapter: simulated\n  simulated: { stateDirectory: engines/\(engine) }\n")
            }
            return documents.joined(separator: "\n---\n")
        }
    }

    func edit(_ file: String, _ change: (String) -> String) throws {
        let path = directory.appendingPathComponent("manifests/\(file)").path
        try change(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
    }
}

func withRehearsal(database: String? = nil, _ body: (Rehearsal) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
        for item in ["manifests", "provisor.yaml"] {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("examples/\(item)"), to: directory.appendingPathComponent(item))
        }
        try await body(Rehearsal(directory: directory, database: database))
    }
}

/// Starts provisor in the background.
/// Starts provisor; its standard output (and standard error too with `errors`) in the pipe.
func startProvisor(_ arguments: [String], in directory: URL, environment: [String: String], errors: Bool = false) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = provisorBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = errors ? out : FileHandle.nullDevice
    try process.run()
    return (process, out)
}

@Suite(.serialized) struct ApplyCommandTests {
    static let total = 132

    @Test func aFullCreateAppliesEverythingOnceAndARerunHasNothingToDo() async throws {
        try await withRehearsal { rehearsal in
            let first = try rehearsal.reconcile()
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("Plan: \(Self.total) to provision, 0 to update, 0 to deprovision."))
            #expect(first.stdout.hasSuffix("Apply: \(Self.total) succeeded, 0 failed, 0 skipped.\n"))
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total && counts.values.allSatisfy { $0 == 1 })

            let second = try rehearsal.reconcile()
            #expect(second.status == 0)
            #expect(second.stdout == "No changes: the recorded state matches the manifests.\n")
            #expect(try rehearsal.appliedCounts().count == Self.total, "nothing sent again")

            let list = try provisor(["state", "list", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(list.stdout.contains("\(Self.total) resources recorded"))
            // The engine's tenant model: JBL's users, the licences they were given.
            let model = try rehearsal.engineModel("platform-eu")
            let tenants = model["tenants"] as! [String: Any]
            let jbl = tenants["JBL"] as! [String: Any]
            #expect((jbl["users"] as! [String: Any]).keys.sorted().starts(with: ["alice", "bob", "carol"]))
            let csp = try rehearsal.engineModel("csp-eu")["tenants"] as! [String: Any]
            let subscriptions = (csp["JBL"] as! [String: Any])["subscriptions"] as! [String: Any]
            #expect(!subscriptions.isEmpty)

            // Secrets reached the engine but are stored nowhere: not in the state, not in the engine's log.
            let stateBytes = try Data(contentsOf: URL(fileURLWithPath: rehearsal.state))
            let logs = try rehearsal.log().map { String(describing: $0) }.joined()
            for secret in Rehearsal.secrets.values.prefix(5) {
                #expect(stateBytes.range(of: Data(secret.utf8)) == nil)
                #expect(!logs.contains(secret))
            }

            let history = try provisor(["history", "customer/JBL/user/alice", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(history.status == 0)
            #expect(history.stdout.contains("provision customer/JBL/user/alice  by test-runner"))
            #expect(history.stdout.contains("password=(sensitive)"))
            #expect(!history.stdout.contains("s3cret"))
            #expect(history.stdout.hasSuffix("2 changes in SQLite \(rehearsal.state).\n"))
        }
    }

    @Test func updatesAndDeletesReachTheEngineChildrenFirst() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            // bob leaves (with his services); alice gets a new display name.
            try rehearsal.edit("customers/jbl/users.yaml") { text in
                var text = text.replacingOccurrences(of: "displayName: Alice Jones", with: "displayName: Alice Baker-Jones")
                let documents = text.components(separatedBy: "\n---\n")
                text = documents.filter { !$0.contains("username: bob") }.joined(separator: "\n---\n")
                return text
            }
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "members: [bob, carol]", with: "members: [carol]") }
            let run = try rehearsal.reconcile()
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("to update") && run.stdout.contains("to deprovision"))
            let users = ((try rehearsal.engineModel("platform-eu")["tenants"] as! [String: Any])["JBL"] as! [String: Any])["users"] as! [String: Any]
            #expect(users["bob"] == nil)
            #expect((users["alice"] as! [String: Any])["displayName"] as? String == "Alice Baker-Jones")
            let log = try rehearsal.log().filter { ($0["address"] as! String).hasPrefix("customer/JBL/user/bob") && $0["action"] as? String == "deprovision" }
            #expect(log.map { $0["outcome"] as! String }.allSatisfy { $0 == "applied" }, "the engine refuses a user that still has services")
            #expect(log.last?["address"] as? String == "customer/JBL/user/bob")
            let history = try provisor(["history", "customer/JBL/user/alice", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(history.stdout.contains("displayName: Alice Jones → Alice Baker-Jones"))
        }
    }

    @Test func aFailedCustomerSkipsItsDependantsTheRestIsAppliedAndARerunConverges() async throws {
        try await withRehearsal { rehearsal in
            let failing = try rehearsal.reconcile(environment: ["PROVISOR_SIMULATED_FAIL": "customer/JBL"])
            #expect(failing.status == 1)
            #expect(failing.stdout.contains("✗ customer/JBL (provision on platform-eu): injected failure for customer/JBL"))
            #expect(failing.stdout.contains("- customer/JBL/user/alice (customer/JBL failed)"))
            #expect(failing.stdout.contains("- customer/JBL/user/alice/service/m365 (customer/JBL failed)"))
            let sentForJBL = try rehearsal.log().filter { ($0["address"] as! String).hasPrefix("customer/JBL/") }
            #expect(sentForJBL.isEmpty, "nothing below a failed customer is sent")
            let jblCount = try provisor(["state", "list", "--customer", "JBL", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(jblCount.stdout.hasPrefix("0 of"))
            let others = try provisor(["state", "list", "--customer", "HRW", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(!others.stdout.hasPrefix("0 of"), "other customers are applied")

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)")
            #expect(try rehearsal.appliedCounts().values.allSatisfy { $0 == 1 })
            #expect(try rehearsal.appliedCounts().count == Self.total)
        }
    }

    @Test func aMissingSecretFailsThatItemBeforeAnythingIsSent() async throws {
        try await withRehearsal { rehearsal in
            let run = try rehearsal.reconcile(environment: ["JBL_ALICE_PASSWORD": ""])
            #expect(run.status == 1)
            #expect(run.stdout.contains("✗ customer/JBL/user/alice (provision on platform-eu): nothing sent: secret env:JBL_ALICE_PASSWORD is not set"))
            #expect(try rehearsal.log().allSatisfy { !($0["address"] as! String).hasPrefix("customer/JBL/user/alice") })
            #expect(
                run.stdout.hasSuffix(
                    "Apply: \(Self.total - 2) succeeded, 1 failed, 1 skipped.\nFix the failures and run provisor reconcile again: what succeeded is recorded, the rest is planned again.\n"
                ))
        }
    }

    @Test func retryableEngineFailuresAreRetriedWithTheSameID() async throws {
        try await withRehearsal { rehearsal in
            let run = try rehearsal.reconcile(environment: ["PROVISOR_SIMULATED_FLAKY": "customer/HRW=2"])
            #expect(run.status == 0, "\(run.stdout)")
            let hrw = try rehearsal.log().filter { $0["address"] as? String == "customer/HRW" }
            #expect(hrw.map { $0["outcome"] as! String } == ["retryable", "retryable", "applied"])
            #expect(Set(hrw.map { $0["id"] as! String }).count == 1)
        }
    }

    @Test func anEngineCrashIsRetriedAndTheEngineAnswersFromItsLog() async throws {
        try await withRehearsal { rehearsal in
            let run = try rehearsal.reconcile(environment: ["PROVISOR_SIMULATED_CRASH_AFTER": "5"])
            #expect(run.status == 0, "\(run.stdout)")
            let outcomes = try rehearsal.log().map { $0["outcome"] as! String }
            #expect(outcomes.contains("replayed"), "the crashed message was sent again with its id and answered from the log")
            #expect(try rehearsal.appliedCounts().values.allSatisfy { $0 == 1 })
        }
    }

    @Test func killedMidApplyTheLockStaysUntilUnlockedAndTheRerunSendsNoDuplicate() async throws {
        try await withRehearsal { rehearsal in
            let (process, _) = try await rehearsal.startSlowReconcile(delay: 200, after: 40)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            let locked = try rehearsal.reconcile()
            #expect(locked.status == 1)
            #expect(locked.stderr.contains("is locked by") && locked.stderr.contains("(process \(process.processIdentifier), reconcile) since"))
            #expect(locked.stderr.contains("run provisor state unlock"))

            let unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(unlock.stdout.contains("Removed the lock on SQLite \(rehearsal.state) held by"))

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(rerun.stdout.contains("an interrupted run left pending or an engine had yet to answer."))
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total)
            #expect(counts.filter { $0.value > 1 }.isEmpty, "no duplicate provision: \(counts.filter { $0.value > 1 })")
        }
    }

    /// `state unlock` while a run is still working: that run's next write is refused, so it
    /// stops; the next run resumes what it had sent, and nothing is provisioned twice.
    @Test func aRunWhoseLockWasBrokenWritesNothingMoreAndStops() async throws {
        try await withRehearsal { rehearsal in
            let (process, out) = try await rehearsal.startSlowReconcile(delay: 200, after: 20)
            let unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(unlock.stdout.hasPrefix("Removed the lock on SQLite \(rehearsal.state) held by"), "\(unlock.stdout)\(unlock.stderr)")
            process.waitUntilExit()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 1, "\(output)")
            let sentBefore = try rehearsal.log().count
            #expect(sentBefore < Self.total, "it stopped instead of applying everything")

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total)
            #expect(counts.filter { $0.value > 1 }.isEmpty, "no duplicate provision: \(counts.filter { $0.value > 1 })")
        }
    }

    /// A scheduled job that systemd or Kubernetes stops must stop, whatever it waits on (here
    /// engines that take two minutes to answer): within the grace, with the lock given back,
    /// no engine left running, and the journal left for the next run.
    @Test func aRunStuckOnItsEnginesStillEndsSoonAfterSIGTERM() async throws {
        try await withRehearsal { rehearsal in
            let (process, out) = try startProvisor(
                ["reconcile", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines], in: rehearsal.directory,
                environment: rehearsal.environment.merging(["PROVISOR_SIMULATED_DELAY_MS": "*=120000"]) { $1 }, errors: true)
            // Wait until it is stuck on its first answers: the journal holds what it sent.
            let deadline = ContinuousClock.now + .seconds(60)
            func sent() async -> Int {
                guard FileManager.default.fileExists(atPath: rehearsal.state), let store = try? SQLiteStateStore(path: rehearsal.state) else { return 0 }
                return (try? await store.journal(run: nil).count) ?? 0
            }
            while await sent() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let signalled = ContinuousClock.now
            kill(process.processIdentifier, SIGTERM)
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(ContinuousClock.now - signalled < .seconds(30), "not the two minutes the engines take")
            #expect(process.terminationReason == .exit && process.terminationStatus == 1)
            #expect(output.contains("Stopped: the run did not end within 5 s of the signal."), "\(output)")
            let unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(unlock.stdout == "The state (SQLite \(rehearsal.state)) is not locked.\n", "the lock was given back")
            // No engine of this rehearsal left running, to act behind the next run's back.
            try await Task.sleep(for: .milliseconds(200))
            let engines = ProcessTable.running(commandContaining: rehearsal.engines)
            #expect(engines.isEmpty, "engines still running: \(engines)")

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total && counts.values.allSatisfy { $0 == 1 }, "everything once, nothing twice")
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptStopsSendingRecordsWhatWasDoneAndReleasesTheLock(_ signal: Int32) async throws {
        try await withRehearsal { rehearsal in
            let (process, out) = try await rehearsal.startSlowReconcile(delay: 100, after: 30)
            kill(process.processIdentifier, signal)
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 1)
            #expect(output.contains("changes were not attempted; what was done is recorded. Run provisor reconcile again to carry on.\n"), "\(output)")
            let unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(unlock.stdout == "The state (SQLite \(rehearsal.state)) is not locked.\n", "the lock was released")

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(!rerun.stdout.contains("left pending"), "an interrupted run leaves nothing pending")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total && counts.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func aSecondRunIsRefusedWhileTheFirstHoldsTheLock() async throws {
        try await withRehearsal { rehearsal in
            let (first, out) = try await rehearsal.startSlowReconcile(delay: 300, after: 1)
            let second = try rehearsal.reconcile()
            #expect(second.status == 1)
            #expect(second.stderr.contains("is locked by") && second.stderr.contains("(process \(first.processIdentifier), reconcile)"))
            let firstOutput = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            first.waitUntilExit()
            #expect(first.terminationStatus == 0)
            #expect(firstOutput.hasSuffix("Apply: \(Self.total) succeeded, 0 failed, 0 skipped.\n"))
        }
    }

    @Test func aSavedPlanIsAppliedExactlyAndRefusedOnceStale() async throws {
        try await withRehearsal { rehearsal in
            let plan = rehearsal.directory.appendingPathComponent("plan.json").path
            let saved = try provisor(
                ["plan", "--config", "provisor.yaml", "--state", rehearsal.state, "--out", plan, "--format", "json"], in: rehearsal.directory)
            #expect(saved.status == 2)
            let applied = try rehearsal.reconcile(["--plan", plan])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(applied.stdout.hasSuffix("Apply: \(Self.total) succeeded, 0 failed, 0 skipped.\n"))

            let again = try rehearsal.reconcile(["--plan", plan])
            #expect(again.status == 1)
            #expect(
                again.stderr.contains(
                    "error: the saved plan '\(plan)' is stale: it was made against an empty state, and SQLite \(rehearsal.state) is now at serial"))

            // A fresh plan, then the manifests change before it is applied.
            #expect(try provisor(["plan", "--config", "provisor.yaml", "--state", rehearsal.state, "--out", plan], in: rehearsal.directory).status == 0)
            try rehearsal.edit("customers/jbl/users.yaml") { $0.replacingOccurrences(of: "displayName: Alice Jones", with: "displayName: Alice B. Jones") }
            let changed = try rehearsal.reconcile(["--plan", plan])
            #expect(changed.status == 1)
            #expect(changed.stderr.contains("no longer matches what the manifests give now"))
            #expect(try rehearsal.appliedCounts().count == Self.total, "nothing sent for a refused plan")
        }
    }
}
