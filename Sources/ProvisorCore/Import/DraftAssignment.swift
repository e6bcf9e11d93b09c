import Foundation

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
            let values = properties.sorted { $0.key < $1.key }.map { "\($0.key): \(YAMLWriter.scalar($0.value))" }
            fields.append("properties: { \(values.joined(separator: ", ")) }")
        }
        return "- { \(fields.joined(separator: ", ")) }" + YAMLWriter.comment(comment)
    }
}
