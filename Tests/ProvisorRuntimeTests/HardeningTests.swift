import Foundation
import NIOCore
import ProvisorCore
import ProvisorSQLite
import ProvisorTesting
import Testing

@testable import ProvisorRuntime

/// Issue 45's findings in the runtime: policies, files Provisor writes, outbound exchanges and
/// reports, each tried as an attacker or a careless operator would.
@Suite struct HardeningTests {
    func folder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-hardening-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static let here = SourceLocation(file: "provisor.yaml", line: 1, column: 1)

    /// Writes `script` as a Python policy in `directory` and asks it about a small plan file.
    func ask(_ script: String, timeout: Int = 10, in directory: String) async throws -> PolicyCheck.Verdict {
        try script.write(toFile: directory + "/policy.py", atomically: true, encoding: .utf8)
        let plan = directory + "/plan.json"
        try #"{"changes": []}"#.write(toFile: plan, atomically: true, encoding: .utf8)
        let policy = PolicyProgram(name: "p", command: ["python3", "./policy.py"], timeout: timeout, location: Self.here)
        return await PolicyCheck.ask(policy, input: plan, directory: directory)
    }

    /// The plan a policy reads is the provider's whole estate: no other local user may read it.
    @Test func thePlanHandedToAPolicyIsReadableOnlyByThisUser() async throws {
        let rehearsal = try ExampleRehearsal()
        try """
        import json, os, stat, sys
        path = os.readlink("/proc/self/fd/0")
        modes = [oct(stat.S_IMODE(os.stat(p).st_mode)) for p in (path, os.path.dirname(path))]
        json.dump({"allow": False, "reasons": modes + [path]}, sys.stdout)
        """.write(toFile: rehearsal.directory + "/policy.py", atomically: true, encoding: .utf8)
        var plan = try await PlanRun().run(in: rehearsal.workspace()).plan
        let check = PolicyCheck(
            policies: [PolicyProgram(name: "modes", command: ["python3", "./policy.py"], location: Self.here)], directory: rehearsal.directory, allowed: [])
        _ = await check.judge(&plan)
        guard case .policyDenied(_, let reasons)? = plan.refusals.last, reasons.count == 3 else {
            Issue.record("expected the policy's denial, got \(plan.refusals)")
            return
        }
        #expect(reasons[0] == "0o600" && reasons[1] == "0o700", "\(reasons)")
        #expect(!FileManager.default.fileExists(atPath: reasons[2]), "removed once the policies are done")
    }

    /// A policy that times out is killed with what it started; it could not have caught its own
    /// alarm before, since it started with Provisor's thread's signals blocked.
    @Test func aPolicyThatTimesOutIsKilledWithEverythingItStarted() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let verdict = try await ask(
            """
            import subprocess, time
            child = subprocess.Popen(["sleep", "300"])
            open("child.pid", "w").write(str(child.pid))
            time.sleep(300)
            """, timeout: 1, in: directory)
        #expect(verdict == .failed("it did not answer within 1 s (policy.p.timeout)"))
        let pid = try #require(Int32(try String(contentsOfFile: directory + "/child.pid", encoding: .utf8)))
        #expect(await ProcessTable.hasEnded(pid), "the policy's child \(pid) still runs")
    }

    @Test func aPolicyStartsWithNoSignalBlockedOrIgnored() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let verdict = try await ask(
            """
            import json, sys
            status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
            json.dump({"allow": False, "reasons": [status["SigBlk"].strip(), status["SigIgn"].strip()]}, sys.stdout)
            """, in: directory)
        guard case .deny(let masks) = verdict, masks.count == 2, let blocked = UInt64(masks[0], radix: 16), let ignored = UInt64(masks[1], radix: 16) else {
            Issue.record("\(verdict)")
            return
        }
        #expect(blocked == 0, "blocked: \(masks[0])")
        // Python ignores SIGPIPE and SIGXFSZ itself; these it must not find ignored.
        let own = [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCHLD].reduce(UInt64(0)) { $0 | (1 << UInt64($1 - 1)) }
        #expect(ignored & own == 0, "ignored: \(masks[1])")
    }

    /// A descriptor Provisor holds without close-on-exec (a library's open file) never reaches
    /// a program it starts.
    @Test func aPolicyInheritsNoDescriptorButItsStandardOnes() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let held = open("/dev/null", O_RDONLY)
        defer { close(held) }
        let verdict = try await ask(
            """
            import json, os, sys
            json.dump({"allow": False, "reasons": [str(fd) for fd in sorted(int(n) for n in os.listdir("/proc/self/fd"))]}, sys.stdout)
            """, in: directory)
        guard case .deny(let listed) = verdict else {
            Issue.record("\(verdict)")
            return
        }
        // 0, 1 and 2, and the descriptor listdir itself opened.
        #expect(listed.count <= 4 && !listed.contains(String(held)), "\(listed), with \(held) held here")
    }

    /// 1.25 GiB of answer used to be read whole before its size was checked.
    @Test func anAnswerPastTheLimitFailsTheProgramWithoutBeingKept() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let verdict = try await ask("import sys\nchunk = 'x' * 65536\nfor _ in range(64 * 1024): sys.stdout.write(chunk)\n", in: directory)
        #expect(verdict == .failed(#"it answered more than 1 MiB; a policy answers {"allow": true|false, "reasons": [...]}"#))
    }

    @Test(arguments: [#"{"allow": 1}"#, #"{"allow": "true"}"#, #"{"allow": null}"#, #"[true]"#])
    func onlyTrueOrFalseIsAnAnswer(_ answer: String) async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let verdict = try await ask("print('\(answer)')", in: directory)
        #expect(verdict == .failed(#"it answered '\#(answer)', not {"allow": true|false, "reasons": [...]}"#))
    }

    /// A denial listing every change, copied whole into each change's audit entry, grew the
    /// append-only log with the square of the plan.
    @Test func anOverriddenDenialIsShortInEachAuditEntry() {
        let reasons = (0..<10_000).map { "customer/C\($0) would be sold below cost" }
        let override = PolicyCheck.Override(policy: "sales-below-cost", refusal: .policyDenied(policy: "sales-below-cost", reasons: reasons))
        #expect(
            override.auditNote.hasPrefix(
                "applied over policy sales-below-cost (--allow-policy sales-below-cost): policy sales-below-cost denies the plan: customer/C0"))
        #expect(override.auditNote.count < 500 && override.auditNote.hasSuffix("more characters in the run's warning)"), "\(override.auditNote.count)")
    }

    /// A link planted where Provisor writes a file is replaced, never written through.
    @Test func aFileIsNeverWrittenThroughALinkPlantedInItsPlace() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let victim = directory + "/victim", page = directory + "/index.html"
        try "precious".write(toFile: victim, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: page, withDestinationPath: victim)
        try FileReplacement.write(Data("page".utf8), to: page, mode: 0o600)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        #expect(try String(contentsOfFile: page, encoding: .utf8) == "page")
        let attributes = try FileManager.default.attributesOfItem(atPath: page)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular && (attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["index.html", "victim"], "no temporary file left")
        #expect(throws: FileReplacement.Failure.self) { try FileReplacement.write(Data(), to: directory + "/no/such/file") }
    }

    /// A receiver that sends its answer one byte a second used to hold the run: the client's
    /// timeout covered the headers only.
    @Test func aChannelThatAnswersOneByteASecondIsCutOffAtTheDeadline() async throws {
        // A byte every half second: well inside the client's read timeout, never done in time.
        let server = try RawHTTPServer(status: 200, body: String(repeating: "x", count: 1200), delay: 0.5)
        var sender = NotificationSender(secrets: SecretResolver(environment: ["HOOK": "http://127.0.0.1:\(server.port)/hook-key-123"]))
        sender.timeout = .seconds(3)
        let channel = NotificationChannel(name: "slow", kind: .slack, url: "env:HOOK", location: Self.here)
        // Without the deadline the whole answer (600 s) would come and the delivery succeed.
        let failures = await sender.send([(channel, "drift", "{}")], at: PinnedTime.date)
        #expect(failures == ["notification 'slow' (slack, drift) was not delivered: it did not finish answering within 3 s"])
    }

    /// A failing channel's answer reaches the terminal: its escapes are written as text, and
    /// the channel's address (a chat webhook's address is its key) never appears.
    @Test func aFailingChannelsAnswerIsPrintedWithoutItsEscapesOrTheAddress() async throws {
        let server = try RawHTTPServer(status: 500, body: "\u{1B}]0;pwned\u{07}\u{1B}[2Jbad hook /hook-key-123")
        var sender = NotificationSender(secrets: SecretResolver(environment: ["HOOK": "http://127.0.0.1:\(server.port)/hook-key-123"]))
        sender.timeout = .seconds(120)  // a loaded test machine can be slow; this is not about time
        let channel = NotificationChannel(name: "chat", kind: .slack, url: "env:HOOK", location: Self.here)
        let failures = await sender.send([(channel, "drift", "{}")], at: PinnedTime.date)
        #expect(failures == [#"notification 'chat' (slack, drift) was not delivered: it answered HTTP 500: \u{1B}]0;pwned\u{7}\u{1B}[2Jbad hook (sensitive)"#])
    }

    /// After `state migrate`, the old state accepted a reconcile: two states of one lineage
    /// diverged, and the new one then planned the same changes again.
    @Test func aMigratedFromStateRefusesWritesAndSaysWhereTheStateLives() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        let copy = rehearsal.directory + "/copy.db"
        _ = try await StateMigration(from: .sqlite(path: rehearsal.state), to: .sqlite(path: copy), directory: rehearsal.directory, clock: PinnedTime.clock)
            .run()
        let moved = StateError.moved(store: "SQLite \(rehearsal.state)", to: "SQLite \(copy)")
        await #expect(throws: moved) { try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace()) }
        await #expect(throws: moved) {
            try await StateMigration(from: .sqlite(path: rehearsal.state), to: .sqlite(path: rehearsal.directory + "/third.db"), directory: rehearsal.directory)
                .run()
        }
        #expect(!FileManager.default.fileExists(atPath: rehearsal.directory + "/third.db"), "no third copy")
        #expect(try await SQLiteStateStore(path: rehearsal.state).header().serial == 7, "nothing written")
        #expect(try await SQLiteStateStore(path: copy).movedTo() == nil, "the copy is the live state")
    }

    /// `report --reseller` listed every engine of the estate, other customers' private and
    /// shared locations included.
    @Test func aResellersReportNamesOnlyTheEnginesItsSubtreeUses() async throws {
        let rehearsal = try ExampleRehearsal()
        _ = try await ReconcileRun(actor: "test", simulate: rehearsal.engines).run(in: rehearsal.workspace())
        _ = try await DriftRun(simulate: rehearsal.engines).run(in: rehearsal.workspace())
        let whole = try await ReportRun().run(in: rehearsal.workspace())
        #expect(Set(whole.observations.map(\.engine)).isSuperset(of: ["riverbank-onprem", "shared-syd", "lab"]))
        let kiwi = try await ReportRun(reseller: "KIWI").run(in: rehearsal.workspace())
        let used = Set(kiwi.recorded.map(\.engine))
        #expect(!used.isEmpty && Set(kiwi.observations.map(\.engine)) == used, "\(kiwi.observations.map(\.engine)) against \(used)")
        #expect(used.isDisjoint(with: ["riverbank-onprem", "shared-syd", "lab"]))
    }
}
