import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders `provisor drift` (and the refresh line of `reconcile --refresh`).
public enum DriftView {
    public struct Context {
        /// "SQLite .provisor/state.db".
        var store: String
        var customer: String?
        /// Each engine's reading, narrowed to the customer.
        var readings: [String: EngineObservation]
        /// The recorded resources compared, narrowed to the customer.
        var recorded: [RecordedResource]

        public init(store: String, customer: String?, readings: [String: EngineObservation], recorded: [RecordedResource]) {
            self.store = store
            self.customer = customer
            self.readings = readings
            self.recorded = recorded
        }
    }

    // MARK: Human

    public static func human(_ drifts: [Drift], _ context: Context, colour: Bool) -> String {
        var out = "Drift of \(context.store)\(context.customer.map { ", customer \($0)" } ?? ""), against the engines as read now:\n"
        if !drifts.isEmpty { out += "\n" }
        for drift in drifts {
            let (symbol, style) = marker(drift.kind)
            let subject = drift.address.map(\.description) ?? "engine \(drift.engine)"
            out += "  " + style.apply("\(symbol) \(subject)", colour) + "  " + Style.dim.apply(headline(drift), colour) + "\n"
            let width = drift.changes.map(\.name.utf8.count).max() ?? 0
            for change in drift.changes {
                out += "        " + change.name + String(repeating: " ", count: width - change.name.utf8.count + 2) + values(change) + "\n"
            }
        }
        out += "\nEngines: " + engineLines(context).joined(separator: "; ") + ".\n"
        out += summary(drifts, context) + "\n"
        return out
    }

    /// "changed out of band on platform-eu", "missing in engine csp-eu", ….
    static func headline(_ drift: Drift) -> String {
        switch drift.kind {
        case .changed: return "changed out of band on \(drift.engine)"
        case .missing: return "missing in engine \(drift.engine)"
        case .unmanaged:
            return "unmanaged on \(drift.engine): " + (drift.reason ?? "in neither the manifests nor the state; left alone")
        case .unknown:
            return "unknown: \(drift.reason ?? "it could not be read"); \(drift.affected) recorded resource\(drift.affected == 1 ? "" : "s") not checked"
        }
    }

    /// "recorded → observed", as a reviewer reads values.
    static func values(_ change: Change.AttributeChange) -> String {
        (change.old.map { PlanView.text($0, name: change.name) } ?? "(not recorded)") + " → " + PlanView.text(change.new, name: change.name)
    }

    static func marker(_ kind: Drift.Kind) -> (String, Style) {
        switch kind {
        case .changed: return ("~", .yellow)
        case .missing: return ("-", .red)
        case .unmanaged: return ("?", .bold)
        case .unknown: return ("!", .red)
        }
    }

    /// One phrase per engine, in name order: "platform-eu read (57 resources)".
    static func engineLines(_ context: Context) -> [String] {
        context.readings.sorted { $0.key < $1.key }.map { engine, observation in
            switch observation {
            case .observed(let resources, _): return "\(engine) read (\(resources.count) resource\(resources.count == 1 ? "" : "s"))"
            case .unreadable: return "\(engine) unknown"
            case .unsupported(let reason): return "\(engine) not checked (\(reason))"
            }
        }
    }

    /// "Drift: 1 changed, …" or "No drift: …".
    static func summary(_ drifts: [Drift], _ context: Context) -> String {
        guard !drifts.isEmpty else {
            return "No drift: the engines hold what the state records (\(context.recorded.count) recorded resource\(context.recorded.count == 1 ? "" : "s"))."
        }
        let fix = drifts.contains { $0.kind == .changed || $0.kind == .missing } ? " Correct it with provisor reconcile --refresh." : ""
        return "Drift: \(counts(drifts))." + fix
    }

    /// "1 changed, 1 missing, 1 unmanaged, 0 unknown".
    static func counts(_ drifts: [Drift]) -> String {
        Drift.Kind.allCases.map { kind in "\(drifts.count { $0.kind == kind }) \(kind.rawValue)" }.joined(separator: ", ")
    }

    // MARK: Markdown

    public static func markdown(_ drifts: [Drift], _ context: Context) -> String {
        var out = "### Provisor drift\n\n"
        out += "**\(drifts.isEmpty ? "No drift" : counts(drifts))** in \(context.store)\(context.customer.map { ", customer `\($0)`" } ?? "").\n\n"
        if !drifts.isEmpty {
            out += "| | Resource | Engine | Drift |\n|---|---|---|---|\n"
            for drift in drifts {
                let what: String
                switch drift.kind {
                case .changed: what = "changed: " + drift.changes.map { "`\($0.name)` " + cell(values($0)) }.joined(separator: "<br>")
                case .missing: what = "missing in the engine"
                case .unmanaged: what = drift.reason.map { "unmanaged: " + cell($0) } ?? "unmanaged (left alone)"
                case .unknown: what = "unknown: " + cell(drift.reason ?? "") + " (\(drift.affected) recorded)"
                }
                out += "| \(marker(drift.kind).0) | \(drift.address.map { "`\($0)`" } ?? "(whole engine)") | \(drift.engine) | \(what) |\n"
            }
            out += "\n"
        }
        out += "Engines: " + engineLines(context).map(cell).joined(separator: "; ") + ".\n"
        return out
    }

    private static func cell(_ text: String) -> String {
        PlanView.escapeHTML(text).replacingOccurrences(of: "|", with: "\\|")
    }

    // MARK: JSON

    /// `schemas/drift.schema.json`.
    public static func json(_ drifts: [Drift], _ context: Context) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        writer.member("state", context.store)
        writer.key("customer")
        if let customer = context.customer { writer.string(customer) } else { writer.null() }
        let recorded = Dictionary(grouping: context.recorded, by: \.engine).mapValues(\.count)
        writer.key("engines")
        writer.beginArray()
        for (engine, observation) in context.readings.sorted(by: { $0.key < $1.key }) {
            writer.beginObject()
            writer.member("name", engine)
            switch observation {
            case .observed(let resources, let at):
                writer.member("status", "observed")
                writer.member("observed_at", at.formatted(.iso8601))
                writer.member("resources", resources.count)
            case .unreadable(let reason):
                writer.member("status", "unreadable")
                writer.member("reason", reason)
            case .unsupported(let reason):
                writer.member("status", "unsupported")
                writer.member("reason", reason)
            }
            writer.member("recorded", recorded[engine] ?? 0)
            writer.endObject()
        }
        writer.endArray()
        writer.key("drift")
        writer.beginArray()
        for drift in drifts {
            writer.beginObject()
            writer.member("kind", drift.kind.rawValue)
            writer.member("engine", drift.engine)
            writer.key("address")
            if let address = drift.address { writer.string(address.description) } else { writer.null() }
            if drift.kind == .changed {
                writer.key("changes")
                writer.beginArray()
                for change in drift.changes {
                    writer.beginObject()
                    writer.member("name", change.name)
                    writer.key("recorded")
                    if let old = change.old { writer.value(old) } else { writer.null() }
                    writer.key("observed")
                    writer.value(change.new)
                    writer.endObject()
                }
                writer.endArray()
            }
            if drift.kind == .unknown {
                writer.member("reason", drift.reason)
                writer.member("affected", drift.affected)
            } else if let reason = drift.reason {
                writer.member("reason", reason)
            }
            writer.endObject()
        }
        writer.endArray()
        writer.key("summary")
        writer.beginObject()
        for kind in Drift.Kind.allCases { writer.member(kind.rawValue, drifts.count { $0.kind == kind }) }
        writer.endObject()
        writer.endObject()
        return writer.text + "\n"
    }
}
