import Foundation
import ProvisorCore

/// Renders recorded resources for `provisor state list` and `provisor state show`.
enum StateView {
    static func list(_ resources: [RecordedResource], header: StateHeader, store: RecordedState, colour: Bool) -> String {
        guard store.store != nil else { return "No state recorded yet (\(store.description)).\n" }
        var out = ""
        if !resources.isEmpty {
            let rows = [("ADDRESS", "KIND", "ENGINE", "SERIAL")] + resources.map { ($0.address.description, $0.kind.rawValue, $0.engine, String($0.serial)) }
            let widths = (rows.map(\.0.count).max()!, rows.map(\.1.count).max()!, rows.map(\.2.count).max()!)
            for (index, row) in rows.enumerated() {
                let columns = [ExplainView.pad(row.0, widths.0), ExplainView.pad(row.1, widths.1), ExplainView.pad(row.2, widths.2), row.3]
                let line = columns.joined(separator: "  ")
                out += (index == 0 ? Style.bold.apply(line, colour) : line) + "\n"
            }
        }
        let shown = resources.count == header.resourceCount ? "\(resources.count)" : "\(resources.count) of \(header.resourceCount)"
        return out + "\(shown) resources recorded in \(store.description) at serial \(header.serial).\n"
    }

    static func show(_ resource: RecordedResource, attributes: [Attribute], colour: Bool) -> String {
        var lines = [Style.bold.apply(resource.address.description, colour) + " (\(resource.kind.rawValue))"]
        if let parent = resource.parent { lines.append("  parent    \(parent)") }
        lines.append("  engine    \(resource.engine)")
        lines.append("  recorded  serial \(resource.serial), \(timestamp(resource.updatedAt))")
        lines.append("")
        let width = attributes.map(\.name.count).max() ?? 0
        for attribute in attributes {
            lines.append("  " + ExplainView.pad(attribute.name, width) + "  " + PlanView.text(attribute.value, name: attribute.name))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct ListDocument: Encodable {
        struct Resource: Encodable {
            var address: String
            var kind: String
            var parent: String?
            var engine: String
            var serial: Int
            var updated_at: String
        }

        var format_version = "1"
        var state: PlanDocument.State
        var resources: [Resource]

        init(header: StateHeader, resources: [RecordedResource]) {
            state = PlanDocument.State(header)
            self.resources = resources.map {
                Resource(address: $0.address.description, kind: $0.kind.rawValue, parent: $0.parent?.description, engine: $0.engine,
                         serial: $0.serial, updated_at: timestamp($0.updatedAt))
            }
        }
    }

    struct ResourceDocument: Encodable {
        var format_version = "1"
        var address: String
        var kind: String
        var parent: String?
        var engine: String
        var serial: Int
        var updated_at: String
        var attributes: PlanDocument.Attributes

        init(_ resource: RecordedResource, attributes: [Attribute]) {
            address = resource.address.description
            kind = resource.kind.rawValue
            parent = resource.parent?.description
            engine = resource.engine
            serial = resource.serial
            updated_at = timestamp(resource.updatedAt)
            self.attributes = PlanDocument.Attributes(attributes: attributes)
        }
    }

    static func json(_ document: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
