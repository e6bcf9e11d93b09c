import Foundation

/// A manifest value `provisor import` writes, with the comment that says how it was chosen
/// when it was not simply read from the engine.
struct DraftValue: Sendable {
    var name: String
    var value: AttributeValue
    var comment: String?
}

/// One service assignment `provisor import` writes.
struct DraftAssignment: Sendable {
    var address: ResourceAddress
    var plan: String?
    /// The assignment's own property values, in name order.
    var properties: [String: AttributeValue]
    var comment: String?
    var observed: ObservedResource

    var service: String { address.service! }

    var line: String {
        var fields = ["service: \(service)"]
        if let plan { fields.append("plan: \(plan)") }
        if let instance = address.instance { fields.append("instance: \(instance)") }
        if !properties.isEmpty {
            let values = properties.sorted { $0.key < $1.key }.map { "\($0.key): \(ManifestText.scalar($0.value))" }
            fields.append("properties: { \(values.joined(separator: ", ")) }")
        }
        return "- { \(fields.joined(separator: ", ")) }" + ManifestText.comment(comment)
    }
}

/// A User manifest `provisor import` writes.
struct DraftUser: Sendable {
    var username: String
    var customer: String
    var observed: ObservedResource
    /// `upn`, `firstName`, ... in the order they are written.
    var fields: [DraftValue]
    var services: [DraftAssignment]

    var address: ResourceAddress { .user(username, customer: customer) }

    var text: String {
        var lines = ["apiVersion: \(manifestAPIVersion)", "kind: User", "metadata: { username: \(username) }", "spec:", "  customer: \(customer)"]
        for field in fields { lines.append("  \(field.name): \(ManifestText.scalar(field.value))" + ManifestText.comment(field.comment)) }
        lines += ManifestText.services(services, indent: "  ")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A Customer manifest `provisor import` writes.
struct DraftCustomer: Sendable {
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
        var lines = ["apiVersion: \(manifestAPIVersion)", "kind: Customer", "metadata:", "  code: \(code)",
                     "  name: \(ManifestText.scalar(name.value))" + ManifestText.comment(name.comment), "spec:"]
        lines += ManifestText.block(fields, indent: "  ")
        lines += ManifestText.services(services, indent: "  ")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The YAML `provisor import` writes: block mappings for nested fields, flow mappings for
/// assignments, scalars quoted only when they must be.
enum ManifestText {
    static func header(engines: [String]) -> String {
        "# Written by provisor import from engine\(engines.count == 1 ? "" : "s") \(engines.joined(separator: ", ")). Values marked \"guessed\" were not reported by the engine: check them.\n"
    }

    static func comment(_ text: String?) -> String {
        text.map { "  # \($0)" } ?? ""
    }

    /// A value as a YAML scalar (or a flow list) that reads back as itself.
    static func scalar(_ value: AttributeValue) -> String {
        switch value {
        case .string(let text): return CustomerScaffold.yamlString(text)
        case .list(let items): return "[" + items.map(CustomerScaffold.yamlString).joined(separator: ", ") + "]"
        case .integer, .number, .boolean: return value.description
        case .secret(let reference): return "{ secretRef: \(CustomerScaffold.yamlString(reference)) }"
        }
    }

    /// Dotted fields as nested block mappings, in the order given (a parent where its first child is).
    static func block(_ fields: [DraftValue], indent: String) -> [String] {
        var lines: [String] = []
        var groups: [String] = []
        var members: [String: [DraftValue]] = [:]
        for field in fields {
            let parts = field.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                groups.append(field.name)
                members[field.name] = [field]
            } else {
                if members[parts[0]] == nil { groups.append(parts[0]) }
                members[parts[0], default: []].append(DraftValue(name: parts[1], value: field.value, comment: field.comment))
            }
        }
        for group in groups {
            let values = members[group]!
            if values.count == 1, values[0].name == group {
                lines.append("\(indent)\(group): \(scalar(values[0].value))" + comment(values[0].comment))
            } else {
                lines.append("\(indent)\(group):")
                lines += block(values, indent: indent + "  ")
            }
        }
        return lines
    }

    static func services(_ services: [DraftAssignment], indent: String) -> [String] {
        guard !services.isEmpty else { return ["\(indent)services: []"] }
        return ["\(indent)services:"] + services.sorted { $0.address < $1.address }.map { "\(indent)  \($0.line)" }
    }
}
