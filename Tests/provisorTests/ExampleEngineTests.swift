import Foundation
import ProvisorTesting
import Testing

/// The example estate applied through its own exec engines (examples/engines: the hosting engine
/// on the Python engine kit) rather than `--simulate`: sqldb instances become real PostgreSQL
/// databases on the test server, found again by the outputs they were answered with. The http
/// engines, which need services outside this machine, are simulated.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, Comment(rawValue: PostgresTestServer.skipped)))
struct ExampleEngineTests {
    /// A copy of the examples with their engines; csp-eu and shared-syd simulated, riverbank-onprem
    /// run as the local exec engine it is behind the broker, or with `broker`, reached through
    /// that broker's queue as the example configures it.
    func withExampleEngines(
        broker: AMQPEngineTests.Broker? = nil, _ body: (Rehearsal, _ sql: (String) throws -> String) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withDatabase { url in
            try await withRehearsal { rehearsal in
                try FileManager.default.copyItem(
                    at: packageRoot.appendingPathComponent("examples/engines"), to: rehearsal.directory.appendingPathComponent("engines"))
                try rehearsal.edit("engines.yaml") { text in
                    var text = text
                    for name in ["csp-eu", "shared-syd"] {
                        let start = text.range(of: "metadata: { name: \(name) }")!
                        let end = text.range(of: "\n---", range: start.upperBound..<text.endIndex)!
                        text.replaceSubrange(
                            start.lowerBound..<end.lowerBound,
                            with: "metadata: { name: \(name) }\nspec:\n  adapter: simulated\n  simulated: { stateDirectory: .provisor/\(name) }")
                    }
                    // The private location's engine reached directly, as a local exec engine, or
                    // through the test broker.
                    let start = text.range(of: "metadata: { name: riverbank-onprem }")!
                    let end = text.range(of: "\n---", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
                    let spec =
                        broker.map {
                            """
                            adapter: amqp
                              amqp: { url: "amqp://\($0.host)/", user: provisor, password: { secretRef: "env:RIVERBANK_AMQP_PASSWORD" }, queue: \($0.queue), timeoutSeconds: 60 }
                            """
                        } ?? "adapter: exec\n  exec: { command: [./engines/onprem.py, --site, riverbank], timeoutSeconds: 120, workingDirectory: engines }"
                    text.replaceSubrange(start.lowerBound..<end, with: "metadata: { name: riverbank-onprem }\nspec:\n  " + spec)
                    return text
                }
                let sql = { (statement: String) throws -> String in
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = ["psql", url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", statement]
                    let out = Pipe()
                    process.standardOutput = out
                    try process.run()
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                defer {
                    // The databases the engine made are the server's, not the test database's.
                    for name in (try? sql(Self.made))?.split(separator: "\n") ?? [] {
                        _ = try? sql(#"DROP DATABASE IF EXISTS "\#(name)" WITH (FORCE)"#)
                    }
                    for role in (try? sql(Self.roles))?.split(separator: "\n") ?? [] {
                        _ = try? sql(#"DROP ROLE IF EXISTS "\#(role)""#)
                    }
                }
                try await body(
                    Rehearsal(
                        directory: rehearsal.directory,
                        environmentExtras: ["HOSTING_DATABASE_URL": url, "PROVISOR_ENGINE_KIT": Self.kit, "RIVERBANK_AMQP_PASSWORD": broker?.password ?? ""]),
                    sql)
            }
        }
    }

    static let kit = packageRoot.appendingPathComponent("engines/kit").path
    /// The databases the hosting engine made: their comment names the address they serve.
    static let made = #"SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE '{"address": %' ORDER BY datname COLLATE "C""#
    static let roles = #"SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE '{"address": %'"#

    func run(_ rehearsal: Rehearsal, _ arguments: [String]) throws -> Run {
        try provisor(arguments + ["--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
    }

    @Test func sqlDatabasesAreMadeReadBackRenamedByTheirIDAndDropped() async throws {
        try await withExampleEngines { rehearsal, sql in
            let first = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.hasSuffix("Apply: \(ApplyCommandTests.total) succeeded, 0 failed, 0 skipped.\n"), "\(first.stdout)")
            let made = try sql(Self.made)
            #expect(made.split(separator: "\n") == ["ATT_ci", "HRW_shop", "JBL_test", "RBT_ledger", "RBT_reporting", "jbl_prod"], "\(made)")
            // The plan's size: 10 connections per vCore (premium has 8), the rest in the comment.
            #expect(try sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'RBT_ledger_owner'") == "80")
            #expect(try sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'RBT_ledger'").contains(#""storageGB": 250"#))
            let show = try run(rehearsal, ["state", "show", "customer/JBL/service/sqldb:prod", "--format", "json"])
            let recorded = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            #expect(recorded?["outputs"] as? [String: String] == ["database": "jbl_prod", "role": "jbl_prod_owner"], "\(show.stdout)")

            // Read back: nothing drifted; a database dropped by hand is missing.
            let clean = try run(rehearsal, ["drift"])
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            _ = try sql(#"DROP DATABASE "JBL_test" WITH (FORCE)"#)
            let dropped = try run(rehearsal, ["drift", "--format", "json"])
            let report = try JSONSerialization.jsonObject(with: Data(dropped.stdout.utf8)) as? [String: Any]
            let drifts = (report?["drift"] as? [[String: Any]] ?? []).map { "\($0["kind"]!) \($0["address"] ?? "")" }
            #expect(drifts == ["missing customer/JBL/service/sqldb:test"], "\(dropped.stdout)\(dropped.stderr)")

            // A new dbName renames the database the engine finds by the name it answered.
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "dbName: jbl_prod", with: "dbName: jbl_main") }
            try rehearsal.edit("customers/jbl/customer.yaml") {
                $0.replacingOccurrences(of: "    - { service: sqldb, plan: standard, instance: test }\n", with: "")
            }
            let changed = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(changed.status == 0, "\(changed.stdout)\(changed.stderr)")
            #expect(changed.stdout.contains("Plan: 0 to provision, 1 to update, 1 to deprovision."), "\(changed.stdout)")
            #expect(try sql(Self.made).split(separator: "\n") == ["ATT_ci", "HRW_shop", "RBT_ledger", "RBT_reporting", "jbl_main"])
            #expect(try sql("SELECT count(*) FROM pg_roles WHERE rolname = 'JBL_test_owner'") == "0", "the removed instance's role is gone")
            let after = try run(rehearsal, ["drift"])
            #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        }
    }

    /// The private location's own engine (onprem.py, on the Python kit) consumes its queue on
    /// the test broker, connecting outbound, as the example configures it: Riverbank's databases
    /// are made, the estate converges, and drift reads the engine back through the broker.
    @Test(.enabled(if: RabbitMQTestServer.isAvailable, Comment(rawValue: RabbitMQTestServer.skipped)))
    func thePrivateLocationsEngineServesItsQueueOnThePythonKit() async throws {
        let broker = try AMQPEngineTests.broker()
        try await BrokerGate.sharing { try await runsOverTheBroker(broker) }
    }

    private func runsOverTheBroker(_ broker: AMQPEngineTests.Broker) async throws {
        try await withExampleEngines(broker: broker) { rehearsal, sql in
            let engine = Process()
            engine.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            engine.arguments = ["python3", "onprem.py", "--site", "riverbank", "--amqp", broker.url, "--queue", broker.queue]
            engine.currentDirectoryURL = URL(fileURLWithPath: rehearsal.engines)
            engine.environment = ProcessInfo.processInfo.environment.merging(rehearsal.environment) { $1 }.merging(["PROVISOR_AMQP_PASSWORD": broker.password])
            {
                $1
            }
            let errors = Pipe()
            engine.standardError = errors
            try engine.run()
            defer {
                kill(engine.processIdentifier, SIGKILL)
                engine.waitUntilExit()
            }
            let applied = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(try sql(Self.made).split(separator: "\n").contains { $0.lowercased().contains("ledger") }, "Riverbank's ledger database was made")
            let drift = try run(rehearsal, ["drift"])
            #expect(drift.status == 0 && drift.stdout.contains("riverbank-onprem read"), "\(drift.stdout)\(drift.stderr)")
            kill(engine.processIdentifier, SIGKILL)
            engine.waitUntilExit()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(log.contains("serving queue \(broker.queue)") && !log.contains(broker.password), "\(log)")
        }
    }

    @Test func aForeignDatabaseIsRefusedAndAHalfMadeOneIsFinished() async throws {
        try await withExampleEngines { rehearsal, sql in
            // Someone else's database with the name an instance wants; and the role a run
            // killed after making it left behind, with no database yet.
            _ = try sql(#"CREATE DATABASE "JBL_test""#)
            _ = try sql(#"CREATE ROLE "RBT_ledger_owner" NOLOGIN"#)
            _ = try sql(#"COMMENT ON ROLE "RBT_ledger_owner" IS '{"address": "customer/RBT/service/sqldb:ledger"}'"#)
            defer { _ = try? sql(#"DROP DATABASE IF EXISTS "JBL_test" WITH (FORCE)"#) }
            let run = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(run.status != 0)
            #expect(
                run.stdout.contains(
                    "✗ customer/JBL/service/sqldb:test (provision on platform-eu): database JBL_test already exists on the server and was not made for customer/JBL/service/sqldb:test"
                ), "\(run.stdout)")
            #expect(run.stdout.contains("Apply: \(ApplyCommandTests.total - 1) succeeded, 1 failed, 0 skipped."), "\(run.stdout)")
            #expect(try sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'RBT_ledger_owner'") == "80", "the half-made role is finished")
            #expect(try sql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'RBT_ledger'") == "RBT_ledger_owner")
        }
    }

    /// The engine exits after making Riverbank's ledger database and before answering: the
    /// message sent again (the same id) is answered as a replay. It used to fail as "already
    /// exists here" on the retry and on every rerun.
    @Test func anEngineThatExitsAfterActingAnswersTheResentMessageAsAReplay() async throws {
        try await withExampleEngines { rehearsal, sql in
            var crashing = rehearsal
            crashing.environmentExtras["HOSTING_EXIT_AFTER_ACTING"] = "customer/RBT/service/sqldb:ledger"
            let run = try run(crashing, ["reconcile", "--actor", "test"])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("Apply: \(ApplyCommandTests.total) succeeded, 0 failed, 0 skipped."), "\(run.stdout)")
            #expect(
                FileManager.default.fileExists(
                    atPath: rehearsal.directory.appendingPathComponent("engines/.provisor/engines/riverbank/exited-after-acting").path))
            #expect(try sql("SELECT count(*) FROM pg_database WHERE datname = 'RBT_ledger'") == "1")
            let plan = try self.run(rehearsal, ["plan"])
            #expect(plan.status == 0, "nothing left to do: \(plan.stdout)")
        }
    }

    @Test func withoutADatabaseServerTheEngineSaysWhatItNeeds() async throws {
        try await withExampleEngines { rehearsal, _ in
            var unconfigured = rehearsal
            unconfigured.environmentExtras["HOSTING_DATABASE_URL"] = nil
            let run = try run(unconfigured, ["reconcile", "--actor", "test"])
            #expect(run.status != 0)
            #expect(
                run.stdout.contains(
                    "this engine makes sqldb instances in PostgreSQL: set HOSTING_DATABASE_URL to a server where its role may create databases and roles"),
                "\(run.stdout)")
        }
    }
}
