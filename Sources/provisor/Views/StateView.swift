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

    static func listJSON(_ resources: [RecordedResource], header: StateHeader) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        writer.key("state")
        writer.state(header)
        writer.key("resources")
        writer.beginArray()
        for resource in resources {
            writer.beginObject()
            describe(resource, to: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text + "\n"
    }

    static func showJSON(_ resource: RecordedResource, attributes: [Attribute]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        describe(resource, to: &writer)
        writer.key("attributes")
        writer.attributes(attributes)
        writer.endObject()
        return writer.text + "\n"
    }

    private static func describe(_ resource: RecordedResource, to writer: inout JSONWriter) {
        writer.member("address", resource.address.description)
        writer.member("kind", resource.kind.rawValue)
        writer.member("parent", resource.parent?.description)
        writer.member("engine", resource.engine)
        writer.member("serial", resource.serial)
        writer.member("updated_at", timestamp(resource.updatedAt))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
