import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorTesting
import Testing

/// An engine written on the Python engine kit (engines/kit/provisor_engine.py) speaks the exec
/// protocol as Provisor expects: results with outputs, retryable and failed answers, a replayed
/// id answered without acting twice (also after a restart), observe and subscriptions readings.
@Suite struct KitConformanceTests {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-kit-\(UUID().uuidString).jsonl").path

    func engine() -> ExecAdapter {
        ExecAdapter(
            engine: "kit", command: ["python3", servers.appendingPathComponent("kit_engine.py").path, state], timeout: 10, processes: 1,
            clock: PinnedTime.clock)
    }

    @Test func aProvisionAnswersItsOutputsAndAReplayedIDIsNotDoneTwice() async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let message = try secrets.prepare(sampleMessage())
        let first = engine()
        #expect(await first.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        // The tenant exists now: doing it again would be refused; the same id is answered instead.
        #expect(await first.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        let other = try secrets.prepare(sampleMessage(serial: 5))
        #expect(await first.send(other) == .terminal("customer/JBL/user/alice/service/m365 already exists"))
        await first.shutdown()

        // After a restart the kit still knows the id it answered.
        let restarted = engine()
        #expect(await restarted.send(message) == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-alice"))]))
        await restarted.shutdown()
    }

    @Test func retryableFailedAndUnhandledAnswersAreClassified() async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let adapter = engine()
        let flaky = try secrets.prepare(sampleMessage(user: "flaky"))
        let (result, attempts) = await RetryPolicy().send(flaky, through: adapter)
        #expect(result == .succeeded(outputs: [Attribute(name: "tenantId", value: .string("t-flaky"))]) && attempts == 2)
        #expect(await adapter.send(try secrets.prepare(sampleMessage(user: "broken"))) == .terminal("the engine failed: 'tenantId'"))
        #expect(
            await adapter.send(try secrets.prepare(sampleMessage(action: .update, previous: [])))
                == .terminal("this engine does not handle 'update' messages"))
        await adapter.shutdown()
    }

    @Test func observeAndSubscriptionsAreAnsweredLineByLine() async throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let adapter = engine()
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
}
