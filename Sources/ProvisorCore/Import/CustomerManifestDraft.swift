import Foundation

/// A Customer manifest `provisor import` writes.
struct CustomerManifestDraft: Sendable {
    var code: String
    var observed: ObservedResource
    /// `metadata.name` and its comment.
    var name: DraftValue
    /// Its primary domain and aliases, as written.
    var domains: [String]
    /// Top-level spec fields and the nested ones (`contact.email`, `settings.passwordPolicy.minLength`),
    /// in the order they are written.
    var fields: [DraftValue]
    var services: [DraftAssignment]

    var text: String {
        var lines = [
            "apiVersion: \(manifestAPIVersion)", "kind: Customer", "metadata:", "  code: \(code)",
            "  name: \(YAMLWriter.scalar(name.value))" + YAMLWriter.comment(name.comment), "spec:",
        ]
        lines += YAMLWriter.block(fields, indent: "  ")
        lines += YAMLWriter.services(services, indent: "  ")
        return lines.joined(separator: "\n") + "\n"
    }
}
