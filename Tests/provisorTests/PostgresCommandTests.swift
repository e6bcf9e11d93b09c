import Foundation
import ProvisorTesting
import Testing

/// The commands against a PostgreSQL state: each test in a database of its own, each runner a
/// separate provisor process, as runners on different machines would be.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, Comment(rawValue: PostgresTestServer.skipped)))
struct PostgresCommandTests {
    static let total = ApplyCommandTests.total
    static var password: String { URLComponents(string: PostgresTestServer.url!)!.password! }

    func withPostgresRehearsal(_ body: (Rehearsal) async throws -> Void) async throws {
        try await PostgresTestServer.withDatabase { url in try await withRehearsal(database: url, body) }
    }

    @Test func anApplyRecordsInPostgreSQLAndTheNextPlanHasNothingToDo() async throws {
        try await withPostgresRehearsal { rehearsal in
            let run = try rehearsal.reconcile()
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("Applying to PostgreSQL provisor@127.0.0.1:"))
            #expect(run.stdout.hasSuffix("Apply: \(Self.total) succeeded, 0 failed, 0 skipped.\n"))
            let plan = try provisor(
                ["plan", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
            #expect(plan.status == 0 && plan.stdout.contains("No changes"), "\(plan.stdout)\(plan.stderr)")
            let history = try provisor(
                ["history", "customer/JBL/user/alice", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
            #expect(history.stdout.contains("provision customer/JBL/user/alice  by test-runner"), "\(history.stdout)")
            for output in [run, plan, history] {
                #expect(!(output.stdout + output.stderr).contains(Self.password), "the password is never printed")
            }
        }
    }

    /// The run's connections are terminated by the server in the middle of its commits, and the
    /// job is stopped: it used to hang past every timeout. It ends soon after SIGTERM, and the
    /// next run resumes without a duplicate.
    @Test func aRunWhoseConnectionsAreTerminatedMidApplyStillEndsOnSIGTERM() async throws {
        try await withPostgresRehearsal { rehearsal in
            let url = try #require(rehearsal.database)
            let (process, out) = try await rehearsal.startSlowReconcile(delay: 200, after: 30)
            try await PostgresTestServer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", url: url)
            let signalled = ContinuousClock.now
            kill(process.processIdentifier, SIGTERM)
            _ = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(ContinuousClock.now - signalled < .seconds(30), "it ends, whatever it waits on")
            #expect(process.terminationReason == .exit && process.terminationStatus == 1)

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total && counts.values.allSatisfy { $0 == 1 }, "everything once: \(counts.filter { $0.value > 1 })")
        }
    }

    @Test func killedMidApplyTheServerReleasesTheLockAndTheRerunSendsNoDuplicate() async throws {
        try await withPostgresRehearsal { rehearsal in
            let (process, _) = try await rehearsal.startSlowReconcile(delay: 200, after: 40)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            // No stale lock: the killed run's session ended with it, and the server let go of its lock.
            var unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
            for _ in 0..<50 where unlock.stdout.hasPrefix("Removed") == false && !unlock.stdout.contains("is not locked") {
                try await Task.sleep(nanoseconds: 100_000_000)
                unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
            }
            #expect(
                unlock.stdout.hasPrefix("The state (PostgreSQL provisor@127.0.0.1:") && unlock.stdout.hasSuffix("is not locked.\n"),
                "\(unlock.stdout)\(unlock.stderr)")

            let rerun = try rehearsal.reconcile()
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(rerun.stdout.contains("an interrupted run left pending or an engine had yet to answer."))
            let counts = try rehearsal.appliedCounts()
            #expect(counts.count == Self.total)
            #expect(counts.filter { $0.value > 1 }.isEmpty, "no duplicate provision: \(counts.filter { $0.value > 1 })")
            let again = try rehearsal.reconcile()
            #expect(again.stdout.contains("No changes"), "\(again.stdout)")
        }
    }

    @Test func aSecondRunnerIsRefusedWithWhoHoldsTheLockWhileTheFirstApplies() async throws {
        try await withPostgresRehearsal { rehearsal in
            // 300 ms a message: the first run is still applying when the second starts, however loaded the machine.
            let (first, out) = try await rehearsal.startSlowReconcile(delay: 300, after: 1)
            let second = try rehearsal.reconcile()
            #expect(second.status == 1)
            #expect(second.stderr.contains("error: the state (PostgreSQL provisor@127.0.0.1:"), "\(second.stderr)")
            #expect(second.stderr.contains("is locked by") && second.stderr.contains("(process \(first.processIdentifier), reconcile)"), "\(second.stderr)")
            let drift = try provisor(
                ["drift", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines],
                in: rehearsal.directory, environment: rehearsal.environment)
            #expect([0, 2].contains(drift.status), "drift only reads and records what it read, so the lock does not hold it up: \(drift.stderr)")
            let firstOutput = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            first.waitUntilExit()
            #expect(first.terminationStatus == 0)
            #expect(firstOutput.hasSuffix("Apply: \(Self.total) succeeded, 0 failed, 0 skipped.\n"))
        }
    }

    @Test func aStateMigratesFromSQLiteToPostgreSQLAndBackWithTheSameDigests() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try await PostgresTestServer.withDatabase { url in
                let environment = ["PROVISOR_DATABASE_URL": url]
                let there = try provisor(
                    ["state", "migrate", "--from", rehearsal.state, "--to", "env:PROVISOR_DATABASE_URL"],
                    in: rehearsal.directory, environment: environment)
                #expect(there.status == 0, "\(there.stderr)")
                #expect(there.stdout.contains("Copied the state from SQLite \(rehearsal.state) to PostgreSQL provisor@127.0.0.1:"))
                #expect(there.stdout.contains("  resources          \(Self.total)  sha256 "), "\(there.stdout)")
                #expect(there.stdout.contains("Verified: the copy has the same counts and digests as the source."))

                let plan = try provisor(
                    ["plan", "--config", "provisor.yaml", "--state", "env:PROVISOR_DATABASE_URL"], in: rehearsal.directory, environment: environment)
                #expect(plan.status == 0 && plan.stdout.contains("No changes"), "the copy is the state the plan expects: \(plan.stdout)\(plan.stderr)")

                let back = rehearsal.directory.appendingPathComponent("back.db").path
                let returned = try provisor(
                    ["state", "migrate", "--from", "env:PROVISOR_DATABASE_URL", "--to", back], in: rehearsal.directory, environment: environment)
                #expect(returned.status == 0, "\(returned.stderr)")
                let digests = { (run: Run) in run.stdout.split(separator: "\n").filter { $0.contains("sha256") } }
                #expect(digests(returned) == digests(there) && digests(there).count == 5, "the same counts and digests both ways")

                let again = try provisor(
                    ["state", "migrate", "--from", rehearsal.state, "--to", "env:PROVISOR_DATABASE_URL"], in: rehearsal.directory, environment: environment)
                #expect(again.status == 1)
                #expect(again.stderr.contains("was migrated to PostgreSQL provisor@127.0.0.1:"), "the old state takes no more writes: \(again.stderr)")
                let stale = try provisor(
                    ["reconcile", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines],
                    in: rehearsal.directory, environment: environment)
                #expect(stale.status == 1 && stale.stderr.contains("and takes no more writes"), "\(stale.stderr)")
                let onward = try provisor(
                    ["state", "migrate", "--from", back, "--to", "env:PROVISOR_DATABASE_URL"], in: rehearsal.directory, environment: environment)
                #expect(onward.status == 1 && onward.stderr.contains("was migrated to SQLite \(back)"), "a moved state is no target either: \(onward.stderr)")
                for run in [there, plan, returned, again, stale, onward] {
                    #expect(!(run.stdout + run.stderr).contains(Self.password))
                }
            }
        }
    }

    @Test func provisorYAMLSelectsPostgreSQLThroughASecretReference() async throws {
        try await withPostgresRehearsal { rehearsal in
            let config = rehearsal.directory.appendingPathComponent("provisor.yaml")
            var text = try String(contentsOf: config, encoding: .utf8)
            text = text.replacingOccurrences(of: "  sqlite: { path: .provisor/state.db }\n", with: "  postgres: { url: \"env:PROVISOR_DATABASE_URL\" }\n")
            try text.write(to: config, atomically: true, encoding: .utf8)
            let plan = try provisor(["plan", "--config", "provisor.yaml"], in: rehearsal.directory, environment: rehearsal.environment)
            #expect(plan.status == 2, "\(plan.stderr)")
            #expect(plan.stdout.contains("PostgreSQL provisor@127.0.0.1:"), "\(plan.stdout)")
            let missing = try provisor(["plan", "--config", "provisor.yaml"], in: rehearsal.directory, environment: ["PROVISOR_DATABASE_URL": ""])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("error: the PostgreSQL state's secret env:PROVISOR_DATABASE_URL is not set"), "\(missing.stderr)")
        }
    }

    @Test func aPasswordOnTheCommandLineIsRefusedAndPGPASSWORDIsUsedInstead() async throws {
        try await withPostgresRehearsal { rehearsal in
            let url = try #require(rehearsal.database)
            let refused = try provisor(["state", "list", "--state", url], in: rehearsal.directory)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("error: --state holds a password, which would show in the process list"), "\(refused.stderr)")
            #expect(!refused.stderr.contains(Self.password))
            var bare = URLComponents(string: url)!
            bare.password = nil
            let listed = try provisor(["state", "list", "--state", bare.string!], in: rehearsal.directory, environment: ["PGPASSWORD": Self.password])
            #expect(listed.status == 0, "\(listed.stderr)")
            let wrong = try provisor(["state", "list", "--state", bare.string!], in: rehearsal.directory, environment: ["PGPASSWORD": "wrong-password-4711"])
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
            #expect(!wrong.stderr.contains("wrong-password-4711"))
        }
    }
}
