import Foundation
import ProvisorTesting
import Testing

/// The example estate's private location, riverbank-onprem, as an `amqp` engine: its messages go
/// through a real RabbitMQ broker to a simulated engine that connects outbound and consumes its
/// queue (`provisor-simulated-engine --amqp URL --queue NAME`). Every other engine is the
/// simulated one, configured as such.
@Suite(.serialized, .enabled(if: RabbitMQTestServer.isAvailable, Comment(rawValue: RabbitMQTestServer.skipped)))
struct AMQPEngineTests {
    struct Broker {
        var url: String
        var host: String
        var password: String
        var queue: String
    }

    /// The broker's address without its password, and the password; with `tls`, its TLS
    /// listener.
    static func broker(tls: Bool = false) throws -> Broker {
        let url = try #require(tls ? RabbitMQTestServer.tlsURL : RabbitMQTestServer.url)
        let match = try #require(url.firstMatch(of: /(amqps?):\/\/([^:]+):([^@]+)@([^\/]+)\//))
        return Broker(
            url: "\(match.1)://\(match.2)@\(match.4)/", host: String(match.4), password: String(match.3), queue: RabbitMQTestServer.queueName("riverbank"))
    }

    /// `tls`, when given, is the test broker's certificates folder: the engine manifest trusts
    /// `ca` from it and presents its client certificate. The broker is shared with other tests,
    /// or with `alone` (a test that restarts it) used by this test only (`BrokerGate`).
    func withAMQPEngine(
        timeout: Int = 10, maxRetries: Int = 2, tls: (files: String, ca: String)? = nil, alone: Bool = false,
        _ body: (Rehearsal, Broker) async throws -> Void
    ) async throws {
        try await BrokerGate.holding(alone: alone) { try await rehearsing(timeout: timeout, maxRetries: maxRetries, tls: tls, body) }
    }

    private func rehearsing(
        timeout: Int, maxRetries: Int, tls: (files: String, ca: String)?, _ body: (Rehearsal, Broker) async throws -> Void
    )
        async throws
    {
        try await withRehearsal { plain in
            var rehearsal = plain
            let broker = try Self.broker(tls: tls != nil)
            let certificates = tls.map { "\n    caFile: \($0.ca)\n    certFile: \($0.files)/client.pem\n    keyFile: \($0.files)/client.key" } ?? ""
            try rehearsal.simulateEngines(
                except: "riverbank-onprem",
                as: """
                    spec:
                      adapter: amqp
                      amqp:
                        url: \(tls == nil ? "amqp" : "amqps")://\(broker.host)/
                        user: provisor
                        password: { secretRef: "env:RIVERBANK_AMQP_PASSWORD" }
                        queue: \(broker.queue)
                        timeoutSeconds: \(timeout)
                        maxRetries: \(maxRetries)
                    """ + certificates)
            rehearsal.environmentExtras = ["RIVERBANK_AMQP_PASSWORD": broker.password]
            try await body(rehearsal, broker)
        }
    }

    /// The remote engine, consuming the queue until stopped; `faults` are the simulated engine's
    /// (PROVISOR_SIMULATED_…).
    func startEngine(_ rehearsal: Rehearsal, _ broker: Broker, faults: [String: String] = [:], tls files: String? = nil) throws -> Process {
        let engine = Process()
        engine.executableURL = simulatedEngineBinary
        engine.arguments =
            [
                "--state-dir", "\(rehearsal.engines)/riverbank-onprem", "--engine", "riverbank-onprem", "--amqp", broker.url, "--queue", broker.queue,
            ] + (files.map { ["--ca", "\($0)/ca.pem", "--cert", "\($0)/client.pem", "--key", "\($0)/client.key"] } ?? [])
        engine.environment = ProcessInfo.processInfo.environment.merging(["PROVISOR_AMQP_PASSWORD": broker.password]) { $1 }.merging(faults) { $1 }
        engine.standardError = FileHandle.nullDevice
        try engine.run()
        return engine
    }

    func stop(_ engine: Process) {
        kill(engine.processIdentifier, SIGKILL)
        engine.waitUntilExit()
    }

    func run(_ rehearsal: Rehearsal, _ arguments: [String]) throws -> Run {
        try provisor(arguments + ["--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory, environment: rehearsal.environment)
    }

    func riverbankEntries(_ rehearsal: Rehearsal, _ address: String) throws -> [String] {
        try rehearsal.log().filter { $0["address"] as? String == address }.map { "\($0["action"]!) \($0["outcome"]!)" }
    }

    @Test func thePrivateLocationIsProvisionedAndReadBackThroughTheBroker() async throws {
        try await withAMQPEngine { rehearsal, broker in
            let engine = try startEngine(rehearsal, broker)
            defer { stop(engine) }
            let applied = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            let riverbank = try rehearsal.log().filter { ($0["address"] as? String ?? "").hasPrefix("customer/RBT") }
            #expect(!riverbank.isEmpty && riverbank.allSatisfy { $0["outcome"] as? String == "applied" }, "\(riverbank)")
            let drift = try run(rehearsal, ["drift"])
            #expect(drift.status == 0, "read back over the broker: \(drift.stdout)\(drift.stderr)")
            #expect(drift.stdout.contains("riverbank-onprem read"), "\(drift.stdout)")
        }
    }

    /// The engine is offline: the run's messages wait on its queue, the run ends with them sent
    /// and waiting (their dependants skipped), and `state show` and `history` say so. A second
    /// run while it is still offline sends nothing again. The engine comes back and carries the
    /// messages out; the next run collects the answers and converges, and the engine's log shows
    /// each message delivered once: collected, never sent again (no replay).
    @Test func anOfflineEngineLeavesMessagesWaitingAndTheNextRunCollectsThem() async throws {
        try await withAMQPEngine(timeout: 1, maxRetries: 0) { rehearsal, broker in
            var engine = try startEngine(rehearsal, broker)
            let applied = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            stop(engine)

            try rehearsal.edit("customers/rbt/users.yaml") {
                $0.replacingOccurrences(of: "displayName: Sam Rivers", with: "displayName: Sam R.")
                    + """
                    ---
                    apiVersion: provisor/v1
                    kind: User
                    metadata: { username: yuri }
                    spec:
                      customer: RBT
                      upn: yuri@riverbanktrust.example
                      firstName: Yuri
                      lastName: Berg
                      services:
                        - { service: vdesktop, plan: power }

                    """
            }
            let offline = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(offline.status == 1, "\(offline.stdout)\(offline.stderr)")
            #expect(offline.stdout.contains("Waiting for their engine's answer (2):"), "\(offline.stdout)")
            #expect(
                offline.stdout.contains("did not answer within 1 s: the message waits on queue \(broker.queue) and the next run collects the answer"),
                "\(offline.stdout)")
            #expect(offline.stdout.contains("customer/RBT/user/yuri/service/vdesktop (customer/RBT/user/yuri waits for its answer)"), "\(offline.stdout)")
            #expect(offline.stdout.contains("Apply: 0 succeeded, 0 failed, 1 skipped, 2 waiting."), "\(offline.stdout)")

            let sam = try run(rehearsal, ["state", "show", "customer/RBT/user/sam"])
            #expect(sam.status == 0 && sam.stdout.contains("sent and waiting for the engine's answer"), "\(sam.stdout)\(sam.stderr)")
            #expect(sam.stdout.contains("update customer/RBT/user/sam  message "), "\(sam.stdout)")
            #expect(sam.stdout.contains("Sam Rivers") && !sam.stdout.contains("Sam R.\n"), "the recorded value stays until the answer: \(sam.stdout)")
            let yuri = try run(rehearsal, ["state", "show", "customer/RBT/user/yuri"])
            #expect(yuri.status == 1 && yuri.stderr.contains("yet: its create message"), "\(yuri.stdout)\(yuri.stderr)")
            let history = try run(rehearsal, ["history", "customer/RBT", "--format", "json"])
            let waiting = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])["waiting"] as? [[String: Any]]
            #expect(Set(waiting?.compactMap { $0["address"] as? String } ?? []) == ["customer/RBT/user/sam", "customer/RBT/user/yuri"], "\(history.stdout)")
            #expect(waiting?.allSatisfy { $0["engine"] as? String == "riverbank-onprem" } == true)

            let planned = try run(rehearsal, ["plan"])
            #expect(
                planned.stderr.contains(
                    "note: 2 messages an earlier run sent still wait for an engine's answer (update customer/RBT/user/sam on riverbank-onprem and 1 more"),
                "\(planned.stderr)")

            let stillOffline = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(stillOffline.status == 1, "\(stillOffline.stdout)\(stillOffline.stderr)")
            #expect(stillOffline.stdout.contains("still waits for its answer; it is not sent again"), "\(stillOffline.stdout)")
            #expect(stillOffline.stdout.contains("Waiting for their engine's answer (2):"), "reported once each: \(stillOffline.stdout)")

            engine = try startEngine(rehearsal, broker)
            defer { stop(engine) }
            // A wait of at most 60 s, on the monotonic clock: nothing here depends on the date.
            let deadline = ContinuousClock.now + .seconds(60)
            while try riverbankEntries(rehearsal, "customer/RBT/user/yuri").isEmpty
                || !riverbankEntries(rehearsal, "customer/RBT/user/sam").contains(where: { $0.hasPrefix("update") }),
                ContinuousClock.now < deadline
            {
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            let caughtUp = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(caughtUp.status == 0, "\(caughtUp.stdout)\(caughtUp.stderr)")
            #expect(caughtUp.stdout.contains("Resumed 2 actions"), "\(caughtUp.stdout)")
            #expect(try riverbankEntries(rehearsal, "customer/RBT/user/sam").filter { $0.hasPrefix("update") } == ["update applied"])
            #expect(try riverbankEntries(rehearsal, "customer/RBT/user/yuri") == ["provision applied"])
            let plan = try run(rehearsal, ["plan"])
            #expect(plan.status == 0 && !plan.stderr.contains("still wait"), "converged: \(plan.stdout)\(plan.stderr)")
            let after = try run(rehearsal, ["history", "customer/RBT/user/sam"])
            #expect(!after.stdout.contains("waiting for the engine's answer"), "\(after.stdout)")
        }
    }

    /// Both sides over TLS with the test CA and client certificates: the estate is applied. A
    /// manifest that trusts only the public CAs is refused by certificate verification, clearly,
    /// and nothing is sent.
    @Test(.enabled(if: RabbitMQTestServer.tlsURL != nil && RabbitMQTestServer.tlsFiles != nil))
    func overTLSTheEstateIsAppliedAndAnUntrustedBrokerIsRefused() async throws {
        let files = try #require(RabbitMQTestServer.tlsFiles)
        try await withAMQPEngine(tls: (files, "\(files)/ca.pem")) { rehearsal, broker in
            let engine = try startEngine(rehearsal, broker, tls: files)
            defer { stop(engine) }
            let applied = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(try !riverbankEntries(rehearsal, "customer/RBT").isEmpty, "the private location's customer went over TLS")
        }
        try await withAMQPEngine(maxRetries: 0, tls: (files, "/etc/ssl/certs/ca-certificates.crt")) { rehearsal, broker in
            let refused = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(refused.status == 1)
            #expect(
                refused.stdout.contains("the broker did not take the message") && refused.stdout.contains("SSL peer cert verification failed"),
                "\(refused.stdout)")
            #expect(try riverbankEntries(rehearsal, "customer/RBT").isEmpty)
        }
    }

    @Test func wrongCredentialsAreAClearErrorAndNothingIsSent() async throws {
        try await withAMQPEngine { plain, broker in
            var rehearsal = plain
            rehearsal.environmentExtras = ["RIVERBANK_AMQP_PASSWORD": "not-the-password"]
            let refused = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(refused.status == 1)
            let output = refused.stdout + refused.stderr
            #expect(output.contains("the broker did not take the message") && output.contains("the broker refused the login"), "\(output)")
            #expect(!output.contains("not-the-password"))
        }
    }

    /// The engine dies after carrying out a message and before answering it: the broker gives
    /// the message to the engine's next process, which answers it as a replay.
    @Test func aConsumerKilledBeforeAnsweringIsAnsweredAsAReplay() async throws {
        try await withAMQPEngine(timeout: 2, maxRetries: 4) { rehearsal, broker in
            let crashing = try startEngine(rehearsal, broker, faults: ["PROVISOR_SIMULATED_CRASH_AFTER": "3"])
            let (background, _) = try startProvisor(
                ["reconcile", "--actor", "test", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory,
                environment: rehearsal.environment)
            crashing.waitUntilExit()
            #expect(crashing.terminationStatus == 70, "the injected crash")
            let engine = try startEngine(rehearsal, broker)
            defer { stop(engine) }
            background.waitUntilExit()
            let rerun = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let entries = try rehearsal.log().filter {
                ($0["address"] as? String ?? "").hasPrefix("customer/RBT") || $0["address"] as? String == "reseller/ACME"
            }
            let applied = Dictionary(grouping: entries.filter { $0["outcome"] as? String == "applied" }) { "\($0["action"]!) \($0["address"]!)" }
            #expect(applied.values.allSatisfy { $0.count == 1 }, "no change carried out twice: \(applied.filter { $0.value.count > 1 }.keys)")
            #expect(entries.contains { $0["outcome"] as? String == "replayed" }, "the message redelivered after the crash was answered as a replay")
        }
    }

    /// The broker restarts during a run, while the run waits for the private location's first
    /// answer (its engine is not consuming yet, and the wait is long enough to outlast the
    /// restart): the quorum queues keep the message and its answer, the adapter and the engine
    /// connect again, and the estate converges without a duplicate.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PROVISOR_TEST_RABBITMQ_DIR"] != nil))
    func aBrokerRestartedMidRunIsConnectedToAgain() async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["PROVISOR_TEST_RABBITMQ_DIR"])
        try await withAMQPEngine(timeout: 60, maxRetries: 8, alone: true) { rehearsal, broker in
            let (background, output) = try startProvisor(
                ["reconcile", "--actor", "test", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory,
                environment: rehearsal.environment, errors: true)
            try await Task.sleep(nanoseconds: 1_500_000_000)
            if !background.isRunning {
                let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                Issue.record("nothing can answer the private location's messages yet, but the run ended: \(said)")
            }
            let restart = Process()
            restart.executableURL = packageRoot.appendingPathComponent("scripts/rabbitmq-test-broker.sh")
            restart.arguments = ["restart", directory]
            try restart.run()
            restart.waitUntilExit()
            #expect(restart.terminationStatus == 0)
            let engine = try startEngine(rehearsal, broker)
            defer { stop(engine) }
            background.waitUntilExit()
            let rerun = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let plan = try run(rehearsal, ["plan"])
            #expect(plan.status == 0, "converged: \(plan.stdout)")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.filter { $0.value > 1 }.isEmpty, "no duplicate: \(counts.filter { $0.value > 1 })")
        }
    }

    /// The broker raises a memory alarm mid-run and blocks every publisher: the run, waiting on
    /// its confirms, used to hang past every timeout and ignore SIGTERM. A scheduled job that
    /// systemd stops must stop: it ends soon after the signal, gives back the lock, and once the
    /// alarm clears the next run converges without a duplicate.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PROVISOR_TEST_RABBITMQ_DIR"] != nil))
    func aRunBlockedByTheBrokersMemoryAlarmStillEndsOnSIGTERM() async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["PROVISOR_TEST_RABBITMQ_DIR"])
        func broker(_ command: String) throws {
            let process = Process()
            process.executableURL = packageRoot.appendingPathComponent("scripts/rabbitmq-test-broker.sh")
            process.arguments = [command, directory]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "rabbitmq-test-broker.sh \(command)")
        }
        try await withAMQPEngine(timeout: 60, maxRetries: 8, alone: true) { rehearsal, amqp in
            try broker("alarm")
            defer { try? broker("clear-alarm") }
            let (background, output) = try startProvisor(
                ["reconcile", "--actor", "test", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory,
                environment: rehearsal.environment, errors: true)
            try await Task.sleep(for: .seconds(3))
            #expect(background.isRunning, "blocked by the alarm")
            let signalled = ContinuousClock.now
            kill(background.processIdentifier, SIGTERM)
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            background.waitUntilExit()
            #expect(ContinuousClock.now - signalled < .seconds(30), "not the minutes its confirms would take")
            #expect(background.terminationStatus == 1, "\(said)")
            #expect(said.contains("Interrupted") || said.contains("Stopped"), "\(said)")
            let unlock = try provisor(["state", "unlock", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(unlock.stdout == "The state (SQLite \(rehearsal.state)) is not locked.\n", "the lock was given back")

            try broker("clear-alarm")
            let engine = try startEngine(rehearsal, amqp)
            defer { stop(engine) }
            let rerun = try run(rehearsal, ["reconcile", "--actor", "test"])
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            let counts = try rehearsal.appliedCounts()
            #expect(counts.filter { $0.value > 1 }.isEmpty, "no duplicate: \(counts.filter { $0.value > 1 })")
        }
    }
}
