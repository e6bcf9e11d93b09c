import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders recorded resources for `provisor state list` and `provisor state show`.
public enum StateView {
    public static func list(_ resources: [RecordedResource], header: StateHeader, store: RecordedState, colour: Bool) -> String {
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

    /// `outputs` follow the attributes under their own heading: the engine's answers, not desired values.
    public static func show(
        _ resource: RecordedResource, attributes: [Attribute], outputs: [Attribute], waiting: [JournalEntry] = [], colour: Bool
    )
        -> String
    {
        var lines = [Style.bold.apply(resource.address.description, colour) + " (\(resource.kind.rawValue))"]
        if let parent = resource.parent { lines.append("  parent    \(parent)") }
        lines.append("  engine    \(resource.engine)")
        lines.append("  recorded  serial \(resource.serial), \(timestamp(resource.updatedAt))")
        lines.append("")
        let width = (attributes + outputs).map(\.name.count).max() ?? 0
        for attribute in attributes {
            lines.append("  " + ExplainView.pad(attribute.name, width) + "  " + PlanView.text(attribute.value, name: attribute.name))
        }
        if !outputs.isEmpty {
            lines.append("")
            lines.append("  outputs (answered by \(resource.engine.controlCharactersEscaped))")
            for output in outputs {
                lines.append("  " + ExplainView.pad(output.name, width) + "  " + PlanView.text(output.value, name: output.name))
            }
        }
        if !waiting.isEmpty {
            lines.append("")
            lines.append("  sent and waiting for the engine's answer (the next provisor reconcile collects it)")
            lines += waiting.map { "  " + waitingLine($0) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func listJSON(_ resources: [RecordedResource], header: StateHeader) -> String {
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

    public static func showJSON(_ resource: RecordedResource, attributes: [Attribute], outputs: [Attribute], waiting pending: [JournalEntry] = []) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        describe(resource, to: &writer)
        writer.key("attributes")
        writer.attributes(attributes)
        writer.key("outputs")
        writer.attributes(outputs)
        waiting(pending, to: &writer)
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

    /// What `state migrate` copied: each part's count and digest, the same in both stores.
    public static func migrated(from source: String, to target: String, archive: StateArchive, summary: [StateArchive.Part]) -> String {
        var text = "Copied the state from \(source) to \(target) (lineage \(archive.lineage), serial \(archive.serial)):\n"
        for part in summary where part.name != "header" {
            text +=
                "  " + part.name.padding(toLength: 13, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 9 - String(part.count).count))
                + String(part.count) + "  sha256 \(part.digest)\n"
        }
        text +=
            "Verified: the copy has the same counts and digests as the source. Point state: in provisor.yaml (or --state) at \(target); the old state now refuses writes (keep it only as a backup).\n"
        return text
    }

    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// The audit log, one line per change: time, serial, actor, action, address, then the detail.
    /// The audit log's entries, then the messages still waiting for their engine's answer.
    public static func history(_ entries: [AuditEntry], waiting: [JournalEntry] = [], store: String, colour: Bool) -> String {
        var out = entries.isEmpty ? "No changes recorded in \(store).\n" : ""
        for entry in entries {
            let commit = entry.commit.map { " commit \($0.shortSHA) (\($0.author): \($0.summary))" } ?? ""
            out +=
                Style.bold.apply("\(timestamp(entry.at))  serial \(entry.serial)  \(entry.action) \(entry.address)", colour)
                + "  by \(entry.actor)\(commit)\n"
            if let detail = entry.detail { out += "    \(detail)\n" }
        }
        if !entries.isEmpty { out += "\(entries.count) change\(entries.count == 1 ? "" : "s") in \(store).\n" }
        if !waiting.isEmpty {
            out += "\n" + Style.bold.apply("Sent and waiting for the engine's answer (\(waiting.count)):", colour) + "\n"
            out += waiting.map { "  " + waitingLine($0) }.joined(separator: "\n") + "\n"
        }
        return out
    }

    /// "2026-12-02 07:10:00Z  update customer/RBT/user/sam  message pm-…, sent to riverbank-onprem by run …".
    public static func waitingLine(_ entry: JournalEntry) -> String {
        "\(timestamp(entry.at))  \(entry.action) \(entry.address)  message \(entry.messageID), sent to \(entry.payload?.engine ?? "?") by run \(entry.run)"
    }

    private static func waiting(_ entries: [JournalEntry], to writer: inout JSONWriter) {
        writer.key("waiting")
        writer.beginArray()
        for entry in entries {
            writer.beginObject()
            writer.member("at", timestamp(entry.at))
            writer.member("action", entry.action)
            writer.member("address", entry.address.description)
            writer.member("engine", entry.payload?.engine ?? "")
            writer.member("message_id", entry.messageID)
            writer.member("run", entry.run)
            writer.endObject()
        }
        writer.endArray()
    }

    public static func historyJSON(_ entries: [AuditEntry], waiting pending: [JournalEntry] = []) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        writer.key("entries")
        writer.beginArray()
        for entry in entries {
            writer.beginObject()
            writer.member("sequence", Int(entry.sequence))
            writer.member("at", timestamp(entry.at))
            writer.member("serial", entry.serial)
            writer.member("actor", entry.actor)
            if let commit = entry.commit {
                writer.key("commit")
                writer.commit(commit)
            }
            writer.member("action", entry.action)
            writer.member("address", entry.address.description)
            writer.member("detail", entry.detail)
            writer.endObject()
        }
        writer.endArray()
        waiting(pending, to: &writer)
        writer.endObject()
        return writer.text + "\n"
    }
}
