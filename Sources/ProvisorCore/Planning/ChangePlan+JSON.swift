/// The JSON form of a plan (`schemas/plan.schema.json`), written directly: a full-create plan
/// of a large estate is hundreds of megabytes. Attribute values appear as themselves; secrets
/// as "(sensitive)".
extension ChangePlan {
    /// The whole JSON text.
    public func json() -> String {
        var text = ""
        writeJSON { text += $0 }
        return text
    }

    /// Writes the JSON text to `sink` in pieces of about a megabyte.
    public func writeJSON(to sink: (String) throws -> Void) rethrows {
        var writer = JSONWriter(capacity: 1 << 21)
        writer.beginObject()
        writer.member("format_version", ChangePlan.formatVersion)
        writer.key("state")
        writer.state(state)
        if let commit {
            writer.key("commit")
            writer.commit(commit)
        }
        writer.key("summary")
        writer.beginObject()
        writer.member("create", summary.create)
        writer.member("update", summary.update)
        writer.member("delete", summary.delete)
        writer.member("unchanged", summary.unchanged)
        writer.endObject()
        writer.key("refusals")
        writer.beginArray()
        for refusal in refusals { writer.string(refusal.description) }
        writer.endArray()
        writer.key("waves")
        writer.beginArray()
        for wave in waves {
            writer.beginObject()
            writer.member("wave", wave.number)
            writer.member("phase", wave.phase.rawValue)
            writer.member("kind", wave.kind.rawValue)
            writer.key("changes")
            writer.beginArray()
            for change in wave.changes {
                write(change, to: &writer)
                try writer.flush(to: sink)
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        try sink(writer.text + "\n")
    }

    private func write(_ change: Change, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("action", change.action.rawValue)
        writer.member("address", change.address.description)
        writer.member("kind", change.kind.rawValue)
        writer.member("customer", change.address.customer)
        writer.member("reseller", change.address.customer.flatMap { customerResellers[$0] })
        writer.member("parent", change.parent?.description)
        writer.member("engine", change.engine)
        writer.member("reason", change.reason.description)
        writer.key("attributes")
        writer.attributes(change.attributes)
        if change.action == .update {
            writer.key("changed")
            writer.beginArray()
            for changed in change.changedAttributes {
                writer.beginObject()
                writer.member("name", changed.name)
                writer.key("old")
                if let old = changed.old { writer.value(old) } else { writer.null() }
                writer.key("new")
                writer.value(changed.new)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
    }
}

extension JSONWriter {
    /// A state header: `{ "lineage", "serial", "resources" }`, without a lineage when none exists.
    public mutating func state(_ header: StateHeader) {
        beginObject()
        member("lineage", header.lineage)
        member("serial", header.serial)
        member("resources", header.resourceCount)
        endObject()
    }
}
