import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite
import ProvisorTesting
import Testing

/// Reading engines back (`EngineAdapter.observe`): what each adapter reports, and how every
/// failure becomes "unreadable" (unknown), never an empty engine.
@Suite struct ObserveTests {
    func exec(_ mode: String, timeout: Double = 5) -> ExecAdapter {
        ExecAdapter(
            engine: "test", command: ["python3", servers.appendingPathComponent("engine.py").path, mode], timeout: timeout, processes: 1,
            clock: PinnedTime.clock)
    }

    func reason(_ observation: EngineObservation) -> String? {
        if case .unreadable(let reason) = observation { return reason }
        return nil
    }

    @Test func anExecEngineReportsEachResourceWithTypedValuesAndGoesOnServingMessages() async throws {
        let engine = exec("ok")
        let observation = await engine.observe()
        let answer = await engine.send(try secrets.prepare(sampleMessage()))
        await engine.shutdown()
        guard case .observed(let resources, _) = observation else {
            Issue.record("expected a reading, got \(observation)")
            return
        }
        #expect(resources.map(\.address.description) == ["customer/JBL", "customer/JBL/user/alice"])
        #expect(
            resources[0].attributes == [
                Attribute(name: "active", value: .boolean(true)), Attribute(name: "aliases", value: .list(["jb.example"])),
                Attribute(name: "name", value: .string("Jones Baker")), Attribute(name: "price", value: .number(16)),
                Attribute(name: "seats", value: .integer(12)),
            ])
        #expect(resources.allSatisfy { $0.engine == "test" })
        #expect(answer == .succeeded(outputs: [Attribute(name: "seen", value: .string("2"))]), "the same process answers the next message")
    }

    @Test(arguments: [
        ("refuse", "engine 'test' could not be read: customer JBL is suspended"),
        (
            "garbled",
            "engine 'test' answered the observe request with something else: 'Traceback (most recent call last): oops'; an exec engine that can be read answers {\"id\", \"resource\"} lines and a final {\"id\", \"status\"}"
        ),
        ("crash", "engine 'test' exited while being read (exit status 3; stderr: engine: lost the database connection)"),
        ("short-count", "engine 'test' said it holds 3 resources but reported 2"),
        (
            "bad-value",
            "engine 'test' reported a resource Provisor cannot read: attribute 'quota' of customer/JBL/user/bob is an object; report a string, a number, a boolean or a list of strings"
        ),
    ])
    func aFailedExecReadingIsUnreadableWithItsReason(_ mode: String, _ expected: String) async throws {
        let engine = exec(mode)
        let observation = await engine.observe()
        await engine.shutdown()
        #expect(reason(observation) == expected)
    }

    /// JSON nested deeper than Provisor reads (512 levels) is refused, not followed down until
    /// the stack runs out.
    @Test func anAnswerNestedTooDeepIsUnreadableNotACrash() async throws {
        let engine = exec("deep")
        let observation = await engine.observe()
        await engine.shutdown()
        let why = try #require(reason(observation))
        #expect(why.hasPrefix("engine 'test' answered the observe request with something else: '{\"id\""), "\(why.prefix(300))")
        #expect(why.count < 1_000, "the answer is quoted in part, not whole")
    }

    @Test func anExecEngineThatSaysNothingIsStoppedAndUnreadable() async throws {
        let engine = exec("silent", timeout: 1)
        let observation = await engine.observe()
        await engine.shutdown()
        #expect(reason(observation) == "engine 'test' sent nothing for 1 s while being read; it was stopped")
    }

    @Test func anHTTPEngineIsReadWithASignedGET() async throws {
        let server = try Webhook(secret: "k3y")
        let adapter = HTTPAdapter(engine: "csp", url: server.url("/ok"), observeURL: server.url("/observe"), signingSecret: "k3y", clock: PinnedTime.clock)
        let observation = await adapter.observe()
        await adapter.shutdown()
        guard case .observed(let resources, _) = observation else {
            Issue.record("expected a reading, got \(observation)")
            return
        }
        #expect(resources.map(\.address) == [.user("alice", customer: "JBL"), .customer("JBL")], "in the order given")
        #expect(resources[0].attributes == [Attribute(name: "displayName", value: .string("Alice J.")), Attribute(name: "licences", value: .integer(2))])
        let requests = try server.requests()
        #expect(requests.count == 1 && requests[0]["method"] as? String == "GET" && requests[0]["signature_ok"] as? Bool == true)
    }

    @Test func aFailedHTTPReadingIsUnreadableWithItsReason() async throws {
        let server = try Webhook(secret: "k3y")
        func observe(_ path: String, key: String = "k3y") async -> String? {
            let adapter = HTTPAdapter(engine: "csp", url: server.url("/ok"), observeURL: server.url(path), signingSecret: key, clock: PinnedTime.clock)
            defer { Task { await adapter.shutdown() } }
            return reason(await adapter.observe())
        }
        #expect(
            await observe("/observe-bad")
                == "engine 'csp' answered \(server.url("/observe-bad")) with something other than {\"resources\": [...]}: {\"tenants\": []}")
        #expect(await observe("/observe-down") == "engine 'csp' answered 503 Service Unavailable at \(server.url("/observe-down")): maintenance")
        #expect(
            await observe("/observe", key: "wrong") == "engine 'csp' answered 401 Unauthorized at \(server.url("/observe")): {\"error\": \"bad signature\"}")
        let nobody = HTTPAdapter(engine: "csp", url: "http://127.0.0.1:9/ok", observeURL: "http://127.0.0.1:9/observe", timeout: 1, clock: PinnedTime.clock)
        let unreachable = reason(await nobody.observe())
        await nobody.shutdown()
        #expect(unreachable?.hasPrefix("engine 'csp' could not be reached at http://127.0.0.1:9/observe: ") == true, "\(String(describing: unreachable))")
    }

    @Test func enginesThatCannotReadBackAreNotCheckedRatherThanUnknown() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let http = HTTPAdapter(engine: "csp", url: "http://127.0.0.1:9/ok", clock: PinnedTime.clock)
        let outbox = OutboxAdapter(
            engine: "queue", store: try SQLiteStateStore(path: directory.appendingPathComponent("state.db").path), clock: PinnedTime.clock)
        let unavailable = UnavailableAdapter(reason: "the signing key of engine 'x' cannot be read")
        #expect(await http.observe() == .unsupported("engine 'csp' has no http.observeUrl, so what it holds cannot be read; add one to its Engine manifest"))
        #expect(
            await outbox.observe() == .unsupported("engine 'queue' is an outbox: messages go one way to a queue, so what the engine holds cannot be read back"))
        #expect(
            await unavailable.observe() == .unreadable("the signing key of engine 'x' cannot be read"),
            "an engine that should be readable but cannot be set up is unknown")
        await http.shutdown()
    }
}

@Suite struct ObserveSetupTests {
    /// `provisor drift` makes its adapters without the state's outbox table: the example's outbox
    /// engine must still be "not checked", never unknown (which would make every run exit 2).
    @Test func anOutboxEngineMadeWithoutAStoreIsStillNotChecked() async throws {
        let report = try ManifestPipeline.run(DirectorySource(root: packageRoot.appendingPathComponent("examples/manifests").path))
        let adapters = EngineAdapterFactory.make(
            report.estate.engines,
            settings: .init(
                directory: packageRoot.appendingPathComponent("examples").path,
                secrets: SecretResolver(environment: [:]), outbox: nil, clock: PinnedTime.clock))
        let observation = await adapters["hosting-queue"]!.observe()
        #expect(
            observation == .unsupported("engine 'hosting-queue' is an outbox: messages go one way to a queue, so what the engine holds cannot be read back"))
        for adapter in adapters.values { await adapter.shutdown() }
    }
}

/// Reading licence subscriptions (`EngineAdapter.subscriptions`, for `provisor rightsize`).
@Suite struct SubscriptionReadingTests {
    func exec(_ mode: String) -> ExecAdapter {
        ExecAdapter(
            engine: "csp", command: ["python3", servers.appendingPathComponent("engine.py").path, mode], timeout: 5, processes: 1, clock: PinnedTime.clock)
    }

    @Test func anExecEngineReportsItsSubscriptionsWithTheirBatches() async throws {
        let adapter = exec("ok")
        let reading = await adapter.subscriptions()
        await adapter.shutdown()
        guard case .read(let held) = reading else {
            Issue.record("not read: \(reading)")
            return
        }
        #expect(held.map(\.id) == ["sub-1", "sub-2"])
        let monthly = held[0]
        #expect(monthly.customer == "JBL" && monthly.engine == "csp" && monthly.sku == "SPB" && monthly.quantity == 13 && monthly.term == .P1M)
        #expect(monthly.costPrice == 16 && monthly.renewalQuantity == 10 && monthly.autoRenew && !monthly.trial)
        #expect(ISODate.day(monthly.termEnd) == "2026-12-31" && monthly.batches.map(\.quantity) == [10, 3])
        #expect(ISODate.day(monthly.batches[0].refundableUntil) == "2026-10-08", "7 days after addedAt by default")
        #expect(monthly.refundable(at: ISODate.parse("2026-11-21")!) == 3)
        #expect(held[1].trial && held[1].costPrice == nil && held[1].term == .P1Y)
    }

    @Test(arguments: [
        ("bad-value", "engine 'csp' reported a subscription Provisor cannot read: \"term\" of subscription sub-1 must be P1M, P1Y or P3Y"),
        ("refuse", "engine 'csp' could not be read: customer JBL is suspended"),
    ])
    func aBadOrRefusedReadingIsUnreadable(_ mode: String, _ expected: String) async {
        let adapter = exec(mode)
        let reading = await adapter.subscriptions()
        await adapter.shutdown()
        #expect(reading == .unreadable(expected))
    }

    @Test func anOutboxCannotReportSubscriptions() async {
        let adapter = UnavailableAdapter(reason: "no store", observation: .unsupported("an outbox is never read"))
        #expect(await adapter.subscriptions() == .unsupported("an outbox is never read"))
        #expect(await UnavailableAdapter(reason: "no command").subscriptions() == .unreadable("no command"))
    }
}
