import Foundation

/// A User manifest `provisor import` writes.
struct UserManifestDraft: Sendable {
    var username: String
    var customer: String
    var observed: ObservedResource
    /// `upn`, `firstName`, ... in the order they are written.
    var fields: [DraftValue]
    var services: [DraftAssignment]

    var address: ResourceAddress { .user(username, customer: customer) }

    var text: String {
        var lines = ["apiVersion: \(manifestAPIVersion)", "kind: User", "metadata: { username: \(username) }", "spec:", "  customer: \(customer)"]
        for field in fields { lines.append("  \(field.name): \(YAMLWriter.scalar(field.value))" + YAMLWriter.comment(field.comment)) }
        lines += YAMLWriter.services(services, indent: "  ")
        return lines.joined(separator: "\n") + "\n"
    }
}
