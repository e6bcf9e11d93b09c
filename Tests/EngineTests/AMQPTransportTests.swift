import Foundation
import ProvisorAMQP
import ProvisorTesting
import Testing

@Suite struct RabbitMQServerRequirement {
    @Test func aBrokerIsThereWhenCIRequiresOne() {
        if !RabbitMQTestServer.isAvailable { print("note: \(RabbitMQTestServer.skipped)") }
        #expect(
            !RabbitMQTestServer.required || RabbitMQTestServer.isAvailable,
            "PROVISOR_REQUIRE_RABBITMQ=1 but PROVISOR_TEST_AMQP_URL is not set: \(RabbitMQTestServer.skipped)")
    }
}

/// Each test shares the test broker with other suites' tests, and waits while a test that
/// restarts it has it alone (`BrokerGate`).
struct SharesTheTestBroker: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil || !test.isSuite else { return try await function() }
        try await BrokerGate.sharing(function)
    }
}

/// The AMQP transport (librabbitmq through the CRabbitMQ shim) against a real broker.
@Suite(.enabled(if: RabbitMQTestServer.isAvailable, Comment(rawValue: RabbitMQTestServer.skipped)), SharesTheTestBroker())
struct AMQPTransportTests {
    var address: AMQPAddress { try! AMQPAddress.parse(RabbitMQTestServer.url!).get() }

    @Test func aConfirmedMessageArrivesWithItsIdsAndIsGoneOnceAcknowledged() throws {
        let queue = RabbitMQTestServer.queueName("round-trip")
        let publisher = try AMQPConnection(address)
        try publisher.declare(queue)
        try publisher.confirm()
        let body = #"{"id": "pm-1", "text": "ünïcödé \" \n <b>"}"#
        try publisher.publish(body, to: queue, messageID: "pm-1", correlationID: "pm-1", replyTo: "answers")

        let consumer = try AMQPConnection(address)
        try consumer.consume(queue)
        let delivery = try #require(try consumer.next(timeout: 5))
        #expect(delivery.body == body && delivery.messageID == "pm-1" && delivery.correlationID == "pm-1" && delivery.replyTo == "answers")
        #expect(!delivery.redelivered)
        try consumer.acknowledge(delivery)
        #expect(try consumer.next(timeout: 0.3) == nil, "acknowledged: never delivered again")
    }

    @Test func anUnacknowledgedMessageIsRedeliveredToTheNextConsumer() throws {
        let queue = RabbitMQTestServer.queueName("redelivery")
        let publisher = try AMQPConnection(address)
        try publisher.declare(queue)
        try publisher.confirm()
        try publisher.publish("{}", to: queue, messageID: "pm-2")
        do {
            let first = try AMQPConnection(address)
            try first.consume(queue)
            #expect(try first.next(timeout: 5)?.redelivered == false)
            first.close()  // died after taking it, before acknowledging
        }
        let second = try AMQPConnection(address)
        try second.consume(queue)
        let again = try #require(try second.next(timeout: 5))
        #expect(again.messageID == "pm-2" && again.redelivered)
        try second.acknowledge(again)
    }

    @Test func aPrivateReplyQueueIsNamedByTheBroker() throws {
        let connection = try AMQPConnection(address)
        let name = try connection.declare()
        #expect(name.hasPrefix("amq.gen-"))
    }

    @Test func failuresAreSentencesWithoutThePassword() throws {
        var wrong = address
        wrong.password = "not-the-password"
        #expect {
            _ = try AMQPConnection(wrong)
        } throws: { error in
            "\(error)".contains("the broker refused the login") && !"\(error)".contains("not-the-password")
        }

        var closed = address
        closed.port = 1
        #expect { _ = try AMQPConnection(closed, timeout: 2) } throws: { "\($0)".contains("cannot connect") }

        var tls = address
        tls.tls = true
        tls.caCertificate = "/nonexistent/ca.pem"
        #expect { _ = try AMQPConnection(tls) } throws: { "\($0)".contains("cannot read the CA certificate: /nonexistent/ca.pem") }

        let connection = try AMQPConnection(address)
        try connection.confirm()
        #expect {
            try connection.publish("{}", to: RabbitMQTestServer.queueName("nowhere"))
        } throws: { "\($0)".contains("the broker has no such queue: provisor-test-nowhere-") }
    }

    @Test func addressesAreReadAndRedacted() throws {
        let parsed = try AMQPAddress.parse("amqps://engine:s%3Acret@broker.example:5671/private%2Fsite").get()
        #expect(parsed.host == "broker.example" && parsed.port == 5671 && parsed.virtualHost == "private/site")
        #expect(parsed.user == "engine" && parsed.password == "s:cret" && parsed.tls)
        #expect(try AMQPAddress.parse("amqp://broker.example").get().port == 5672)
        #expect(try AMQPAddress.parse("amqp://broker.example").get().virtualHost == "/")
        #expect(AMQPAddress.redacted("amqp://engine:hunter2@broker/") == "amqp://engine:***@broker/")
        guard case .failure(let error) = AMQPAddress.parse("http://engine:hunter2@broker/") else {
            Issue.record("an http URL was taken")
            return
        }
        #expect(error.description == "'http://engine:***@broker/' is not an amqp:// or amqps:// address")
    }

    /// The TLS listener verifies the client's certificate; the client verifies the broker's.
    @Test(.enabled(if: RabbitMQTestServer.tlsURL != nil && RabbitMQTestServer.tlsFiles != nil))
    func tlsWithTheRightCertificatesAndClearErrorsWithoutThem() throws {
        let files = try #require(RabbitMQTestServer.tlsFiles)
        var tls = try AMQPAddress.parse(try #require(RabbitMQTestServer.tlsURL)).get()
        tls.caCertificate = files + "/ca.pem"
        tls.clientCertificate = files + "/client.pem"
        tls.clientKey = files + "/client.key"
        let queue = RabbitMQTestServer.queueName("tls")
        let connection = try AMQPConnection(tls)
        try connection.declare(queue)
        try connection.confirm()
        try connection.publish("{}", to: queue, messageID: "pm-tls")
        try connection.consume(queue)
        #expect(try connection.next(timeout: 5)?.messageID == "pm-tls")

        var untrusted = tls
        untrusted.caCertificate = "/etc/ssl/certs/ca-certificates.crt"  // public CAs: not the test CA
        #expect { _ = try AMQPConnection(untrusted) } throws: { "\($0)".contains("cannot connect: SSL peer cert verification failed") }

        var anonymous = tls
        anonymous.clientCertificate = nil
        anonymous.clientKey = nil
        #expect { _ = try AMQPConnection(anonymous) } throws: { "\($0)".contains("the broker ended the TLS connection (does it want a client certificate") }

        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-certificate-\(UUID().uuidString).pem")
        try Data("not a certificate".utf8).write(to: garbage)
        defer { try? FileManager.default.removeItem(at: garbage) }
        var broken = tls
        broken.caCertificate = garbage.path
        #expect { _ = try AMQPConnection(broken) } throws: { "\($0)".contains("cannot read the CA certificate: \(garbage.path)") }
    }
}
