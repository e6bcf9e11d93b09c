import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorTesting
import Testing

/// The two engine kits, each with the same test engine: the Python module
/// (engines/kit/provisor_engine.py, Servers/kit_engine.py) and the Swift library
/// (ProvisorEngineKit, Tests/KitConformanceEngine).
enum Kit: String, CaseIterable, CustomStringConvertible, Sendable {
    case python, swift

    var description: String { rawValue }

    func command(state: String) -> [String] {
        switch self {
        case .python: return ["python3", servers.appendingPathComponent("kit_engine.py").path, state]
        case .swift: return [Self.builtProducts.appendingPathComponent("kit-conformance-engine").path, state]
        }
    }

    /// Where SwiftPM put the test bundle, and beside it every executable of the package.
    static let builtProducts: URL = {
        let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: running).deletingLastPathComponent()
        while folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("kit-conformance-engine").path) {
            folder.deleteLastPathComponent()
        }
        return folder
    }()
}

/// An engine written on either engine kit speaks the exec protocol as Provisor expects: results
/// with outputs, retryable and failed answers, a replayed id answered without acting twice (also
/// after a restart), observe and subscriptions readings.
@Suite struct KitConformanceTests {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-kit-\(UUID().uuidString).jsonl").path

    func engine(_ kit: Kit) -> ExecAdapter {
        ExecAdapter(engine: "kit", command: kit.command(state: state), timeout: 10, processes: 1, clock: PinnedTime.clock)
    }

    @Test(arguments: Kit.allCases) func aProvisionAnswersItsOutputsAndAReplayedIDIsNotDoneTwice(_ kit: Kit) async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let message = try secrets.prepare(sampleMessage())
        let first = engine(kit)
        #expect(await first.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        // The tenant exists now: doing it again would be refused; the same id is answered instead.
        #expect(await first.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        let other = try secrets.prepare(sampleMessage(serial: 5))
        #expect(await first.send(other) == .terminal("customer/JBL/user/alice/service/m365 already exists"))
        await first.shutdown()

        // After a restart the kit still knows the id it answered.
        let restarted = engine(kit)
        #expect(await restarted.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        await restarted.shutdown()
    }

    @Test(arguments: Kit.allCases) func retryableFailedAndUnhandledAnswersAreClassified(_ kit: Kit) async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let adapter = engine(kit)
        let flaky = try secrets.prepare(sampleMessage(user: "flaky"))
        let (result, attempts) = await RetryPolicy().send(flaky, through: adapter)
        #expect(result == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-flaky"))]) && attempts == 2)
        #expect(await adapter.send(try secrets.prepare(sampleMessage(user: "broken"))) == .terminal("the engine failed: 'tenantId'"))
        #expect(
            await adapter.send(try secrets.prepare(sampleMessage(action: .update, previous: [])))
                == .terminal("this engine does not handle 'update' messages"))
        await adapter.shutdown()
    }

    @Test(arguments: Kit.allCases) func observeAndSubscriptionsAreAnsweredLineByLine(_ kit: Kit) async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let adapter = engine(kit)
        _ = await adapter.send(try secrets.prepare(sampleMessage()))
        let observation = await adapter.observe()
        let subscriptions = await adapter.subscriptions()
        await adapter.shutdown()
        guard case .observed(let resources, _) = observation else {
            Issue.record("expected a reading, got \(observation)")
            return
        }
        #expect(resources.map(\.address) == [.service("m365", instance: nil, customer: "JBL", user: "alice")])
        guard case .read(let held) = subscriptions else {
            Issue.record("expected subscriptions, got \(subscriptions)")
            return
        }
        #expect(held.map(\.id) == ["sub-1"] && held[0].quantity == 3)
    }

    /// The Python kit's queue options: what is missing or unusable is said before any broker is
    /// reached, and the engine ends (the Swift kit's are the simulated engine's, tested with it).
    @Test func thePythonKitSaysWhatIsWrongWithItsQueueOptions() throws {
        func run(_ options: [String]) throws -> (status: Int32, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", servers.appendingPathComponent("kit_engine.py").path, "/nonexistent/state.jsonl"] + options
            let errors = Pipe()
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        let noQueue = try run(["--amqp", "amqp://engine@localhost:1/"])
        #expect(noQueue.status != 0 && noQueue.stderr.contains("--amqp needs --queue NAME"), "\(noQueue.stderr)")
        let notAnAddress = try run(["--amqp", "http://engine:s3cret@localhost/", "--queue", "q"])
        #expect(notAnAddress.status != 0 && notAnAddress.stderr.contains("is not a RabbitMQ address"), "\(notAnAddress.stderr)")
        #expect(!notAnAddress.stderr.contains("s3cret"), "the password is left out")
        let noCA = try run(["--amqp", "amqps://engine@localhost:1/", "--queue", "q", "--ca", "/nonexistent/ca.pem"])
        #expect(noCA.status != 0 && noCA.stderr.contains("cannot use the TLS files (--ca /nonexistent/ca.pem"), "\(noCA.stderr)")
    }
}
