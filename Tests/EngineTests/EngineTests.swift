import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite
import ProvisorTesting
import Testing

let servers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Servers")
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-engines-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// A user-service change with a secret, as the applier would build it.
func sampleMessage(
    action: Change.Action = .create, user: String = "alice", lineage: String = "lineage-1", serial: Int = 4,
    previous: [Change.AttributeChange] = []
) -> ProvisioningMessage {
    let customer = [
        Attribute(name: "domains.primary", value: .string("jonesbaker.example")), Attribute(name: "engine", value: .string("platform-eu")),
        Attribute(name: "name", value: .string("Jones Baker")), Attribute(name: "reseller", value: .string("ACME")),
        Attribute(name: "status", value: .string("active")), Attribute(name: "type", value: .string("standard")),
    ]
    let userAttributes = [
        Attribute(name: "password", value: .secret(reference: "env:PW")), Attribute(name: "upn", value: .string("\(user)@jonesbaker.example")),
        Attribute(name: "username", value: .string(user)),
    ]
    let attributes = [
        Attribute(name: "plan", value: .string("business-premium")), Attribute(name: "plan.license.sku", value: .string("SPB")),
        Attribute(name: "plan.salesPrice", value: .number(Decimal(string: "21.50")!)), Attribute(name: "properties.storageGB", value: .integer(100)),
        Attribute(name: "service", value: .string("m365")), Attribute(name: "service.name", value: .string("Acme 365")),
    ]
    let builder = MessageBuilder(lineage: lineage, serial: serial, context: .init(actor: "ops", commit: "abc123", run: "run-1")) { address in
        switch address.description {
        case "customer/JBL": return customer
        case "customer/JBL/user/\(user)": return userAttributes
        case "reseller/ACME": return [Attribute(name: "parent", value: .string("NEXUS"))]
        case "reseller/NEXUS": return []
        default: return nil
        }
    }
    let address = ResourceAddress.service("m365", instance: nil, customer: "JBL", user: user)
    return builder.message(
        for: Change(
            action: action, address: address, parent: .user(user, customer: "JBL"), engine: "csp-eu", reason: .newInManifests,
            attributes: attributes, changedAttributes: previous))
}

let secrets = SecretResolver(environment: ["PW": "hunter2"])

@Suite struct MessageTests {
    @Test func theIDIsDeterministicAndChangesWithActionAttributesLineageAndSerial() {
        let message = sampleMessage()
        #expect(message.id == sampleMessage().id)
        #expect(message.id.hasPrefix("pm-") && message.id.count == 35)
        #expect(sampleMessage(action: .delete).id != message.id)
        #expect(sampleMessage(user: "bob").id != message.id)
        #expect(sampleMessage(lineage: "lineage-2").id != message.id)
        #expect(sampleMessage(serial: 5).id != message.id, "the same change made again against a newer state is a new message")
    }

    @Test func secretsAreSentButNeverInTheStoredForm() throws {
        var message = sampleMessage(action: .create)
        message.attributes.append(Attribute(name: "properties.adminPassword", value: .secret(reference: "env:PW")))
        let outgoing = try secrets.prepare(message)
        #expect(outgoing.body().contains("\"properties.adminPassword\":\"hunter2\""))
        #expect(!outgoing.restingBody().contains("hunter2"))
        #expect(outgoing.restingBody().contains("\"properties.adminPassword\":{\"secretRef\":\"env:PW\"}"))
        #expect(outgoing.body().contains("\"sensitive\":[\"properties.adminPassword\"]"))
        #expect(
            outgoing.body().contains(
                "\"context\":{\"resellers\":[\"ACME\",\"NEXUS\"],\"lineage\":\"lineage-1\",\"serial\":4,\"run\":\"run-1\",\"actor\":\"ops\",\"commit\":\"abc123\"}"
            ))
    }

    @Test func aDeprovisionCarriesNoSecretValueAndNeedsNone() throws {
        var message = sampleMessage(action: .delete)
        message.attributes.append(Attribute(name: "properties.adminPassword", value: .secret(reference: "env:GONE_PW")))
        #expect(message.action == .deprovision && message.secretReferences.isEmpty)
        let outgoing = try SecretResolver(environment: [:]).prepare(message)
        #expect(outgoing.body() == outgoing.restingBody())
        #expect(outgoing.body().contains("\"properties.adminPassword\":{\"secretRef\":\"env:GONE_PW\"}"))
        let provision = try secrets.prepare(sampleMessage(action: .create))
        let deprovision = try secrets.prepare(sampleMessage(action: .delete))
        #expect(provision.body().contains("hunter2") && !deprovision.body().contains("hunter2"))
    }

    @Test func aMissingSecretIsAClearFailure() {
        var message = sampleMessage()
        message.attributes.append(Attribute(name: "properties.adminPassword", value: .secret(reference: "env:MISSING_PW")))
        #expect(throws: SecretError.self) { try secrets.prepare(message) }
        do { _ = try secrets.prepare(message) } catch {
            #expect(
                error.description
                    == "secret env:MISSING_PW is not set: the environment variable MISSING_PW is missing or empty; set it in the environment of provisor")
        }
        let file = SecretResolver(environment: [:], directory: "/nonexistent")
        #expect(throws: SecretError.self) { try file.resolve("file:key.txt") }
    }

    @Test func generatedMessagesMatchTheirSchema() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let update = sampleMessage(
            action: .update,
            previous: [
                .init(name: "plan.salesPrice", old: .number(20), new: .number(Decimal(string: "21.50")!)),
                .init(name: "properties.storageGB", old: nil, new: .integer(100)),
            ])
        var lines: [String] = []
        for message in [sampleMessage(), sampleMessage(action: .delete), update] {
            let outgoing = try secrets.prepare(message)
            lines += [outgoing.body(), outgoing.restingBody()]
        }
        let file = directory.appendingPathComponent("messages.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try schemaCheck([file.path], schema: "message.schema.json") == [file.path: true])
        #expect(update.json().contains("\"previous\":{\"plan.salesPrice\":20,\"properties.storageGB\":null}"))
    }
}

/// Runs scripts/schema-check.py; returns each file's validity.
func schemaCheck(_ files: [String], schema: String) throws -> [String: Bool] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", packageRoot.appendingPathComponent("scripts/schema-check.py").path, "--json-schema", schema] + files
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let result = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    for (file, entry) in result where entry["valid"] as? Bool != true { print("schema errors in \(file): \(entry["errors"] ?? "")") }
    return result.mapValues { $0["valid"] as! Bool }
}

/// Engine errors are repeated on the terminal and kept in the append-only journal: an error
/// that quotes the message has every secret value of it replaced, and a huge one is cut short.
@Suite struct EngineErrorSanitisingTests {
    @Test func anErrorQuotingTheMessageLosesItsSecretsAndIsCutShort() async throws {
        let awkward = SecretResolver(environment: ["PW": "hünter2\"/\\ö"])
        let engine = ExecAdapter(
            engine: "test", command: ["python3", servers.appendingPathComponent("engine.py").path, "quote-message"],
            timeout: 10, processes: 1, clock: PinnedTime.clock)
        let outgoing = try awkward.prepare(sampleMessage(user: "ann"))
        #expect(outgoing.body().contains("h\\u00fcnter2") || outgoing.body().contains("hünter2"), "the engine is sent the secret")
        let (result, attempts) = await RetryPolicy().send(outgoing, through: engine)
        await engine.shutdown()
        guard case .terminal(let text) = result else {
            Issue.record("expected a terminal failure, got \(result)")
            return
        }
        #expect(attempts == 1)
        #expect(text.hasPrefix("cannot provision {"))
        #expect(text.contains("\"password\": \"(sensitive)\""), "Python writes it ASCII-escaped; it is still found")
        #expect(!text.contains("nter2") && !text.contains("hunter2"))
        #expect(text.utf8.count < OutgoingMessage.answerLimit + 100 && text.hasSuffix("more bytes left out)"), "\(text.suffix(80))")
    }
}

@Suite struct ExecAdapterTests {
    func adapter(_ mode: String, timeout: Double = 5) -> ExecAdapter {
        ExecAdapter(
            engine: "test", command: ["python3", servers.appendingPathComponent("engine.py").path, mode], timeout: timeout, processes: 2,
            clock: PinnedTime.clock)
    }

    @Test func aResultLineIsTheAnswerAndTheProcessServesTheNextMessage() async throws {
        let engine = adapter("ok")
        let first = await engine.send(try secrets.prepare(sampleMessage()))
        let second = await engine.send(try secrets.prepare(sampleMessage(user: "bob")))
        await engine.shutdown()
        #expect(first == .succeeded(outputs: [Attribute(name: "seen", value: .string("1"))]))
        #expect(second == .succeeded(outputs: [Attribute(name: "seen", value: .string("2"))]), "one long-running process")
    }

    @Test func aRefusalIsTerminalWithTheEnginesText() async throws {
        let engine = adapter("refuse")
        #expect(await engine.send(try secrets.prepare(sampleMessage())) == .terminal("customer JBL is suspended"))
        await engine.shutdown()
    }

    @Test(arguments: [("garbled", "not a JSON object"), ("wrong-id", "it answers message pm-00000000000000000000000000000000")])
    func aGarbledAnswerIsATerminalFailure(_ mode: String, _ reason: String) async throws {
        let engine = adapter(mode)
        let result = await engine.send(try secrets.prepare(sampleMessage()))
        await engine.shutdown()
        guard case .terminal(let text) = result else {
            Issue.record("expected a terminal failure, got \(result)")
            return
        }
        #expect(text.hasPrefix("engine 'test' answered with something that is not a result (\(reason)"))
    }

    @Test func aCrashIsRetryableAndNamesTheExitAndStderr() async throws {
        let engine = adapter("crash")
        let result = await engine.send(try secrets.prepare(sampleMessage()))
        await engine.shutdown()
        #expect(result == .retryable("engine 'test' exited before answering (exit status 3; stderr: engine: lost the database connection)"))
    }

    @Test func noAnswerWithinTheTimeoutStopsTheEngine() async throws {
        let engine = adapter("silent", timeout: 1)
        let result = await engine.send(try secrets.prepare(sampleMessage()))
        await engine.shutdown()
        // The engine never answers: this answer (rather than a test that never ends) proves it
        // was stopped. How long that takes is not asserted; a loaded machine can delay it.
        #expect(result == .retryable("engine 'test' did not answer within 1 s; it was stopped"))
    }

    @Test func aProgramThatCannotStartIsTerminal() async throws {
        let engine = ExecAdapter(engine: "test", command: ["/nonexistent/engine.sh"], clock: PinnedTime.clock)
        let result = await engine.send(try secrets.prepare(sampleMessage()))
        guard case .terminal(let text) = result else {
            Issue.record("expected a terminal failure, got \(result)")
            return
        }
        #expect(
            text
                == "cannot start engine 'test' (/nonexistent/engine.sh): the program '/nonexistent/engine.sh' does not exist; check exec.command in its Engine manifest (a relative path starts at the folder of provisor.yaml)"
        )
        #expect(!text.contains("Error Domain") && !text.contains("NSCocoaErrorDomain"))

        let notExecutable = ExecAdapter(engine: "test", command: [servers.path], clock: PinnedTime.clock)
        let refused = await notExecutable.observe()
        #expect(
            refused
                == .unreadable(
                    "cannot start engine 'test' (\(servers.path)): '\(servers.path)' is not an executable program; make it executable (chmod +x) or name its interpreter first in exec.command, as in [python3, engine.py]"
                ))
        let missing = ExecAdapter(engine: "test", command: ["no-such-engine-program"], clock: PinnedTime.clock)
        let none = await missing.send(try secrets.prepare(sampleMessage()))
        #expect(
            none
                == .terminal(
                    "cannot start engine 'test' (no-such-engine-program): no program 'no-such-engine-program' on PATH; install it, or give its path in exec.command"
                ))
    }
}

/// The webhook test server, started for one test.
final class Webhook {
    let process = Process()
    let port: Int
    let log: URL

    init(secret: String) throws {
        log = try temporaryDirectory().appendingPathComponent("requests.jsonl")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", servers.appendingPathComponent("webhook.py").path]
        process.environment = ProcessInfo.processInfo.environment.merging(["LOG": log.path, "SECRET": secret]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        port = Int(String(decoding: line, as: UTF8.self).split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    deinit {
        // SIGKILL: the test process may block SIGTERM, and a child inherits the mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log.deletingLastPathComponent())
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }
}

@Suite struct HTTPAdapterTests {
    let retry = RetryPolicy(baseDelay: 0.05, maxDelay: 2)

    @Test func successCarriesTheIdempotencyKeyAndASignatureTheServerVerifies() async throws {
        let server = try Webhook(secret: "k3y")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/ok"), signingSecret: "k3y", clock: PinnedTime.clock)
        let message = try secrets.prepare(sampleMessage())
        let result = await adapter.send(message)
        await adapter.shutdown()
        #expect(result == .succeeded(outputs: [Attribute(name: "ticket", value: .string("T-1"))]))
        let requests = try server.requests()
        #expect(requests.count == 1)
        #expect(requests[0]["key"] as? String == message.id)
        #expect(requests[0]["signature_ok"] as? Bool == true)
        #expect(
            HTTPAdapter.signature(of: "{}", secret: "k3y") == "sha256=420a51c0c8ede656964b635bd4cf5010c5f590273f19eaf91ffaaa34d7e5e40d",
            "the RFC 2104 HMAC-SHA256 Python computes")
    }

    @Test func aWrongSigningKeyIsRefusedByTheServer() async throws {
        let server = try Webhook(secret: "k3y")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/ok"), signingSecret: "other", clock: PinnedTime.clock)
        let result = await adapter.send(try secrets.prepare(sampleMessage()))
        await adapter.shutdown()
        #expect(result == .terminal("engine 'csp' refused the message: 401 Unauthorized: {\"error\": \"bad signature\"}"))
    }

    @Test func a500IsRetriedWithTheSameKeyAndThenSucceeds() async throws {
        let server = try Webhook(secret: "")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/flaky"), maxRetries: 3, clock: PinnedTime.clock)
        let message = try secrets.prepare(sampleMessage())
        let (result, attempts) = await retry.send(message, through: adapter)
        await adapter.shutdown()
        #expect(result == .succeeded)
        #expect(attempts == 2)
        let requests = try server.requests()
        #expect(requests.map { $0["status"] as! Int } == [500, 200])
        #expect(Set(requests.map { $0["key"] as! String }) == [message.id])
    }

    @Test func a429WaitsForRetryAfter() async throws {
        let server = try Webhook(secret: "")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/busy"), clock: PinnedTime.clock)
        let first = await adapter.send(try secrets.prepare(sampleMessage()))
        #expect(first == .retryable("engine 'csp' answered 429 Too Many Requests: slow down", retryAfter: 1))
        let (result, _) = await retry.send(try secrets.prepare(sampleMessage(user: "bob")), through: adapter)
        await adapter.shutdown()
        #expect(result == .succeeded)
        let times = try server.requests().filter { ($0["key"] as! String) == sampleMessage(user: "bob").id }.map { $0["time"] as! Double }
        #expect(times.count == 2 && times[1] - times[0] >= 0.95, "the retry waited for Retry-After: \(times)")
    }

    @Test func a400IsTerminalAndNotRetried() async throws {
        let server = try Webhook(secret: "")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/bad"), clock: PinnedTime.clock)
        let (result, attempts) = await retry.send(try secrets.prepare(sampleMessage()), through: adapter)
        await adapter.shutdown()
        #expect(result == .terminal("engine 'csp' refused the message: 400 Bad Request: {\"error\": \"unknown plan business-ultra\"}"))
        #expect(attempts == 1)
        #expect(try server.requests().count == 1)
    }

    @Test func noAnswerInTimeIsRetryable() async throws {
        let server = try Webhook(secret: "")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/slow"), timeout: 1, clock: PinnedTime.clock)
        let result = await adapter.send(try secrets.prepare(sampleMessage()))
        await adapter.shutdown()
        #expect(result == .retryable("engine 'csp' did not answer within 1 s (\(server.url("/slow")))"))
    }

    @Test func nobodyListeningIsRetryable() async throws {
        let adapter = HTTPAdapter(engine: "csp", url: "http://127.0.0.1:9/none", timeout: 2, clock: PinnedTime.clock)
        let result = await adapter.send(try secrets.prepare(sampleMessage()))
        await adapter.shutdown()
        guard case .retryable(let text, _) = result else {
            Issue.record("expected retryable, got \(result)")
            return
        }
        #expect(text.hasPrefix("engine 'csp' could not be reached at http://127.0.0.1:9/none: "))
    }
}

@Suite struct OutboxAdapterTests {
    @Test func eachMessageIsStoredAndExportedOnceWithoutSecrets() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStateStore(path: directory.appendingPathComponent("state.db").path)
        let export = directory.appendingPathComponent("out/hosting.jsonl").path
        let adapter = OutboxAdapter(engine: "hosting-queue", store: store, export: export, clock: PinnedTime.clock)
        let batch = [try secrets.prepare(sampleMessage()), try secrets.prepare(sampleMessage(user: "bob"))]
        #expect(await adapter.send(batch: batch) == [.succeeded, .succeeded])
        #expect(await adapter.send(batch: batch) == [.succeeded, .succeeded], "sending again is fine")
        #expect(await adapter.send(batch[0]) == .succeeded)

        let stored = try await store.outbox(engine: "hosting-queue", after: 0, limit: 10)
        #expect(stored.map(\.id) == batch.map(\.id))
        #expect(stored.allSatisfy { !$0.body.contains("hunter2") })
        let lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { !$0.contains("hunter2") && $0.contains("{\"secretRef\":\"env:PW\"}") })
        #expect(try schemaCheck([export], schema: "message.schema.json") == [export: true])
    }
}
