import Foundation

/// The RabbitMQ broker the amqp tests use: `PROVISOR_TEST_AMQP_URL` (scripts/rabbitmq-test-broker.sh
/// starts one and prints it). Without it those tests are skipped, unless
/// `PROVISOR_REQUIRE_RABBITMQ=1` (as CI sets) makes the missing broker a failure.
public enum RabbitMQTestServer {
    public static let url = ProcessInfo.processInfo.environment["PROVISOR_TEST_AMQP_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// The broker's TLS listener, and the folder of its CA and a client certificate it accepts.
    public static let tlsURL = ProcessInfo.processInfo.environment["PROVISOR_TEST_AMQPS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    public static let tlsFiles = ProcessInfo.processInfo.environment["PROVISOR_TEST_AMQP_TLS"].flatMap { $0.isEmpty ? nil : $0 }
    public static let required = ProcessInfo.processInfo.environment["PROVISOR_REQUIRE_RABBITMQ"] == "1"
    public static var isAvailable: Bool { url != nil }
    public static let skipped =
        "no RabbitMQ broker: set PROVISOR_TEST_AMQP_URL to run the amqp tests (eval \"$(scripts/rabbitmq-test-broker.sh start DIR)\" starts one)"

    /// A queue name no other test uses.
    public static func queueName(_ purpose: String) -> String { "provisor-test-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())" }
}
