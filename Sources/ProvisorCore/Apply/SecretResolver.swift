import Foundation

/// Reads `secretRef` values (`env:NAME`, `file:PATH`) at the moment a message is sent.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    /// Relative `file:` paths are read from here.
    public var directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, directory: String = FileManager.default.currentDirectoryPath) {
        self.environment = environment
        self.directory = directory
    }

    /// The value of one reference.
    public func resolve(_ reference: String) throws(SecretError) -> String {
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(
                    reference: reference, reason: "is not set: the environment variable \(name) is missing or empty; set it in the environment of provisor")
            }
            return value
        }
        if reference.hasPrefix("file:") {
            var path = String(reference.dropFirst(5))
            if !path.hasPrefix("/") { path = (directory as NSString).appendingPathComponent(path) }
            guard let data = FileManager.default.contents(atPath: path), var value = String(data: data, encoding: .utf8) else {
                throw SecretError(reference: reference, reason: "cannot be read: \(path) is missing or unreadable; create it or fix the path")
            }
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { throw SecretError(reference: reference, reason: "is empty: \(path) holds nothing") }
            return value
        }
        throw SecretError(reference: reference, reason: "has an unknown provider; use env:NAME or file:PATH")
    }

    /// The message ready to send, with every secret it carries read.
    public func prepare(_ message: ProvisioningMessage) throws(SecretError) -> OutgoingMessage {
        var secrets: [String: String] = [:]
        for reference in message.secretReferences { secrets[reference] = try resolve(reference) }
        return OutgoingMessage(message: message, secrets: secrets)
    }
}
