import Foundation
import ProvisorCore
import ProvisorTesting
import Synchronization
import Testing

@testable import ProvisorEngines

/// Writes an executable script through a close-on-exec descriptor: one that a process started by
/// another test at the same moment inherits keeps the file busy ("Text file busy") for as long
/// as that process lives.
func writeProgram(_ text: String, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard write(descriptor, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
}

/// Issue 45's findings at the engines: secrets an engine was given, and the processes it starts.
@Suite struct EngineHardeningTests {
    /// The example's Microsoft engine, running `script` (a shell script) instead, with its
    /// application secret from the environment as the examples configure it.
    func microsoftEngine(running script: String, in directory: URL) throws -> any EngineAdapter {
        let path = directory.appendingPathComponent("engine.sh")
        try writeProgram(script, to: path.path)
        let report = try ManifestPipeline.run(DirectorySource(root: packageRoot.appendingPathComponent("examples/manifests").path))
        var engine = try #require(report.estate.engines.first { $0.name.value == "csp-eu" })
        engine.exec?.command = [path.path]
        engine.exec?.timeoutSeconds = 5
        let adapters = EngineAdapterFactory.make(
            [engine],
            settings: .init(
                directory: directory.path, secrets: SecretResolver(environment: ["CSP_APPLICATION_SECRET": "app-key/ü 42"]), outbox: nil,
                clock: PinnedTime.clock))
        return try #require(adapters["csp-eu"])
    }

    /// A delegated reseller can make the engine fail on a value of its own; what the engine then
    /// quotes (its stderr, its answer, its reason for not being read) must not carry the
    /// provider's key to the terminal, the journal or the reseller's channel.
    @Test func whatAnEngineSaysBackLosesTheSecretsItWasGiven() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let crashing = try microsoftEngine(
            running:
                "#!/bin/sh\necho \"GET https://api.example/?key=$(printf %s \"$MICROSOFT_APPLICATION_SECRET\" | sed 's/\\//%2F/; s/ü/%C3%BC/; s/ /%20/') refused\" >&2\nexit 3\n",
            in: directory)
        let crashed = await crashing.send(try secrets.prepare(sampleMessage()))
        await crashing.shutdown()
        guard case .retryable(let text, _) = crashed else {
            Issue.record("expected a retryable failure, got \(crashed)")
            return
        }
        #expect(text.contains("stderr: GET https://api.example/?key=(sensitive) refused"), "\(text)")

        let quoting = try microsoftEngine(
            running: """
                #!/bin/sh
                while read -r line; do
                  id=$(printf %s "$line" | sed 's/.*"id": *"\\([^"]*\\)".*/\\1/')
                  printf '{"id": "%s", "status": "failed", "error": "the key %s was refused"}\\n' "$id" "$MICROSOFT_APPLICATION_SECRET"
                done
                """, in: directory)
        let refused = await quoting.send(try secrets.prepare(sampleMessage()))
        let unreadable = await quoting.observe()
        await quoting.shutdown()
        #expect(refused == .terminal("the key (sensitive) was refused"))
        if case .unreadable(let reason) = unreadable { #expect(!reason.contains("app-key"), "\(reason)") }
    }

    /// An engine that does not answer in time is stopped with everything it started.
    @Test func anEngineStoppedAtItsTimeoutTakesItsChildrenWithIt() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("engine.sh")
        try writeProgram("#!/bin/sh\nsleep 300 &\necho $! > \(directory.path)/child.pid\nread line\nsleep 300\n", to: script.path)
        let engine = ExecAdapter(engine: "slow", command: [script.path], timeout: 1, processes: 1, clock: PinnedTime.clock)
        let result = await engine.send(try secrets.prepare(sampleMessage()))
        await engine.shutdown()
        #expect(result == .retryable("engine 'slow' did not answer within 1 s; it was stopped"))
        let pid = try #require(
            Int32(try String(contentsOf: directory.appendingPathComponent("child.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessTable.hasEnded(pid), "the engine's child \(pid) still runs")
    }
}

/// The thread an amqp adapter waits for answers on.
@Suite struct AMQPThreadTests {
    /// A run that only collected answers sometimes spun at 100% CPU and never ended: a wake byte
    /// written after its job had already run stayed in the pipe, and every wait ended at once.
    /// Between jobs, a waiting thread now waits.
    @Test func aThreadWaitingForAnswersWaitsInsteadOfSpinning() async throws {
        let calls = Mutex(0)
        let thread = AMQPThread(name: "test") { wake in
            calls.withLock { $0 += 1 }
            var descriptor = pollfd(fd: wake, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 100)
            return true  // an answer is always waited for, as while collecting
        }
        await thread.run {}
        // A wake byte with no job behind it, as the race left one.
        var byte: UInt8 = 1
        _ = write(thread.wake.write, &byte, 1)
        try await Task.sleep(for: .milliseconds(300))
        let before = calls.withLock { $0 }, start = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(500))
        let waits = calls.withLock { $0 } - before, elapsed = ContinuousClock.now - start
        // A wait lasts 100 ms: about ten a second (more only if the machine is slow to wake it).
        let perSecond = Double(waits) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        #expect(perSecond <= 30, "\(waits) waits in \(elapsed): it spins")
        await thread.stop {}
    }
}
