import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders `provisor rightsize`: the decisions, then the monthly margin before and after per
/// customer, per reseller (its whole subtree) and for the provider.
public enum RightsizeView {
    public struct Context {
        var readings: Rightsizing.Readings
        /// What applying gave (empty for a dry run).
        var results: [SubscriptionAdjuster.Result]
        var dryRun: Bool

        public init(readings: Rightsizing.Readings, results: [SubscriptionAdjuster.Result], dryRun: Bool) {
            self.readings = readings
            self.results = results
            self.dryRun = dryRun
        }
    }

    static func day(_ date: Date) -> String { ISODate.day(date) }

    /// Two decimal places, exactly.
    static func money(_ value: Decimal) -> String {
        var exact = value, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 2, .plain)
        let text = NSDecimalNumber(decimal: rounded).stringValue
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        return text + String(repeating: "0", count: max(0, 2 - text[text.index(after: dot)...].count))
    }

    static func percent(_ margin: Margin) -> String { margin.marginPercent.map(money) ?? "-" }

    /// "13 → 10", "13 (renews with 10)".
    static func quantities(_ decision: RightsizingDecision) -> String {
        let before = decision.subscription.quantity
        var text = decision.quantityNow == before ? "\(before)" : "\(before) → \(decision.quantityNow)"
        if let renewal = decision.renewalQuantity, renewal != decision.quantityNow { text += ", renews with \(renewal)" }
        return text
    }

    static func counts(_ report: RightsizingReport) -> String {
        let decisions = report.outcomes.flatMap(\.decisions)
        return RightsizingDecision.Action.allCases.map { action in "\(decisions.count { $0.action == action }) \(action.rawValue)" }.joined(separator: ", ")
    }

    static func engineLine(_ readings: Rightsizing.Readings) -> String {
        var parts = readings.subscriptions.sorted { $0.key < $1.key }.map { "\($0.key) read (\($0.value.count) subscription\($0.value.count == 1 ? "" : "s"))" }
        parts += readings.failures.map { "\($0.engine) NOT read" }
        return parts.isEmpty ? "no engine holds licensed services" : parts.joined(separator: "; ")
    }

    /// The outcomes worth showing a person: those with a decision other than none.
    static func notable(_ report: RightsizingReport) -> [RightsizingOutcome] {
        report.outcomes.filter { $0.decisions.contains { $0.action != .none } }
    }

    /// What applying did: counts, then each failure.
    static func applied(_ results: [SubscriptionAdjuster.Result]) -> [String] {
        guard !results.isEmpty else { return [] }
        let waiting = results.count { if case .awaiting = $0.outcome { true } else { false } }
        let failed = results.count { $0.outcome != .succeeded } - waiting
        var lines = ["Applied: \(results.count { $0.outcome == .succeeded }) adjusted, \(failed) failed" + (waiting > 0 ? ", \(waiting) waiting." : ".")]
        for result in results {
            switch result.outcome {
            case .failed(let text): lines.append("  ✗ \(result.address) on \(result.engine): \(text)")
            case .awaiting(let text): lines.append("  … \(result.address) on \(result.engine): \(text)")
            case .succeeded, .skipped: continue
            }
        }
        return lines
    }

    // MARK: Human

    public static func human(_ report: RightsizingReport, _ context: Context, colour: Bool) -> String {
        var out = "Right-sizing licences as of \(day(report.at))" + (context.dryRun ? " (dry run: nothing is changed)" : "") + "\n"
        out += "Engines: \(engineLine(context.readings)).\n"
        let notable = notable(report)
        for outcome in notable {
            let group = outcome.group
            out +=
                "\n" + Style.bold.apply("\(group.customer) \(group.sku)", colour) + (group.plan.map { " (\($0))" } ?? "")
                + ": \(group.assigned) assigned, \(group.billed) billed\n"
            for decision in outcome.decisions {
                let subscription = decision.subscription
                let style: Style = decision.action == .increase ? .green : decision.changes ? .yellow : decision.action == .reportOnly ? .red : .dim
                out +=
                    "  " + style.apply(decision.action.rawValue, colour)
                    + "  \(subscription.id) (\(subscription.term.rawValue), renews \(day(subscription.termEnd)))  "
                    + quantities(decision) + "\n"
                out += "      " + Style.dim.apply(decision.reason, colour) + "\n"
            }
        }
        if notable.isEmpty { out += "\nEvery subscription is right-sized.\n" }
        out += "\nMonthly margin (customers with a decision; --format csv lists every one):\n"
        out += table(lines(report, customers: Set(notable.map(\.group.customer))))
        out += "\nDecisions: \(counts(report)).\n"
        for line in applied(context.results) { out += line + "\n" }
        return out
    }

    /// The margin lines: each notable customer, each reseller, the provider.
    static func lines(_ report: RightsizingReport, customers: Set<String>?) -> [(String, RightsizingReport.Line)] {
        report.customers.filter { customers?.contains($0.name) ?? true }.map { ("customer", $0) }
            + report.resellers.map { ("reseller", $0) } + [("provider", report.provider)]
    }

    static func table(_ lines: [(String, RightsizingReport.Line)]) -> String {
        let header = ["", "", "purchased", "assigned", "billed", "cost", "revenue", "margin", "margin %"]
        var rows: [[String]] = [header]
        for (level, line) in lines {
            for (when, margin) in [("before", line.before), ("after", line.after)] {
                rows.append([
                    when == "before" ? (level == "provider" ? "provider" : "\(level) \(line.name)") : "", when, String(margin.purchased),
                    String(margin.assigned),
                    String(margin.billed), money(margin.cost), money(margin.revenue), money(margin.margin), percent(margin),
                ])
            }
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            "  "
                + row.enumerated().map { column, cell in
                    column < 2
                        ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - cell.count) + cell
                }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    // MARK: Markdown

    public static func markdown(_ report: RightsizingReport, _ context: Context) -> String {
        var out = "### Licence right-sizing as of \(day(report.at))\(context.dryRun ? " (dry run)" : "")\n\nEngines: \(engineLine(context.readings)).\n\n"
        let notable = notable(report)
        if notable.isEmpty {
            out += "Every subscription is right-sized.\n\n"
        } else {
            out += "| customer | SKU | subscription | decision | quantity | why |\n|---|---|---|---|---|---|\n"
            for outcome in notable {
                for decision in outcome.decisions where decision.action != .none {
                    out +=
                        "| \(outcome.group.customer) | \(outcome.group.sku) | `\(decision.subscription.id)` | \(decision.action.rawValue) | \(quantities(decision)) | \(cell(decision.reason)) |\n"
                }
            }
            out += "\n"
        }
        out += "| monthly margin | | purchased | assigned | billed | cost | revenue | margin | margin % |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for (level, line) in lines(report, customers: Set(notable.map(\.group.customer))) {
            for (when, margin) in [("before", line.before), ("after", line.after)] {
                let name = when == "before" ? (level == "provider" ? "**provider**" : "\(level) \(line.name)") : ""
                out +=
                    "| \(name) | \(when) | \(margin.purchased) | \(margin.assigned) | \(margin.billed) | \(money(margin.cost)) | \(money(margin.revenue)) | \(money(margin.margin)) | \(percent(margin)) |\n"
            }
        }
        out += "\nDecisions: \(counts(report)).\n"
        for line in applied(context.results) { out += "\n" + cell(line) }
        return out + (context.results.isEmpty ? "" : "\n")
    }

    private static func cell(_ text: String) -> String {
        PlanView.escapeHTML(text).replacingOccurrences(of: "|", with: "\\|")
    }

    // MARK: CSV

    /// One row per decision, then one per customer, reseller and the provider, with the margin
    /// before and after (a decision's row carries its customer-and-SKU group's margin).
    public static func csv(_ report: RightsizingReport) -> String {
        var out =
            "level,name,sku,subscription,action,quantity_before,quantity_after,renewal_quantity,purchased_before,purchased_after,assigned,billed,cost_before,cost_after,revenue_before,revenue_after,margin_before,margin_after,margin_percent_before,margin_percent_after,reason\n"
        func row(_ fields: [String]) { out += fields.map(field).joined(separator: ",") + "\n" }
        func figures(_ before: Margin, _ after: Margin) -> [String] {
            [
                String(before.purchased), String(after.purchased), String(after.assigned), String(after.billed), money(before.cost), money(after.cost),
                money(before.revenue), money(after.revenue), money(before.margin), money(after.margin),
                before.marginPercent.map(money) ?? "", after.marginPercent.map(money) ?? "",
            ]
        }
        for outcome in report.outcomes {
            for decision in outcome.decisions {
                row(
                    [
                        "decision", outcome.group.customer, outcome.group.sku, decision.subscription.id, decision.action.rawValue,
                        String(decision.subscription.quantity), String(decision.quantityNow), decision.renewalQuantity.map(String.init) ?? "",
                    ]
                        + figures(outcome.before, outcome.after) + [decision.reason])
            }
        }
        for (level, line) in lines(report, customers: nil) {
            row([level, line.name, "", "", "", "", "", ""] + figures(line.before, line.after) + [""])
        }
        return out
    }

    private static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: JSON

    /// `schemas/rightsize.schema.json`.
    public static func json(_ report: RightsizingReport, _ context: Context) -> String {
        var writer = JSONWriter()
        func amount(_ name: String, _ value: Decimal) {
            writer.key(name)
            writer.raw(money(value))
        }
        func margin(_ name: String, _ figures: Margin) {
            writer.key(name)
            writer.beginObject()
            writer.member("purchased", figures.purchased)
            writer.member("assigned", figures.assigned)
            writer.member("billed", figures.billed)
            amount("cost", figures.cost)
            amount("revenue", figures.revenue)
            amount("margin", figures.margin)
            writer.key("margin_percent")
            if let percent = figures.marginPercent { writer.raw(money(percent)) } else { writer.null() }
            writer.endObject()
        }
        writer.beginObject()
        writer.member("format_version", "1")
        writer.member("at", report.at.formatted(.iso8601))
        writer.key("dry_run")
        writer.boolean(context.dryRun)
        writer.key("engines")
        writer.beginArray()
        for (engine, held) in context.readings.subscriptions.sorted(by: { $0.key < $1.key }) {
            writer.beginObject()
            writer.member("name", engine)
            writer.member("status", "read")
            writer.member("subscriptions", held.count)
            writer.endObject()
        }
        for failure in context.readings.failures {
            writer.beginObject()
            writer.member("name", failure.engine)
            writer.member("status", "unreadable")
            writer.member("reason", failure.reason)
            writer.endObject()
        }
        writer.endArray()
        writer.key("groups")
        writer.beginArray()
        for outcome in report.outcomes {
            let group = outcome.group
            writer.beginObject()
            writer.member("customer", group.customer)
            writer.member("sku", group.sku)
            writer.key("plan")
            if let plan = group.plan { writer.string(plan) } else { writer.null() }
            writer.member("assigned", group.assigned)
            writer.member("billed", group.billed)
            writer.key("decisions")
            writer.beginArray()
            for decision in outcome.decisions {
                let subscription = decision.subscription
                writer.beginObject()
                writer.member("subscription", subscription.id)
                writer.member("engine", subscription.engine)
                writer.member("term", subscription.term.rawValue)
                writer.member("term_end", day(subscription.termEnd))
                writer.member("action", decision.action.rawValue)
                writer.member("quantity_before", subscription.quantity)
                writer.member("quantity_after", decision.quantityNow)
                writer.key("renewal_quantity")
                if let renewal = decision.renewalQuantity { writer.integer(renewal) } else { writer.null() }
                writer.member("reason", decision.reason)
                writer.endObject()
            }
            writer.endArray()
            margin("before", outcome.before)
            margin("after", outcome.after)
            writer.endObject()
        }
        writer.endArray()
        writer.key("margins")
        writer.beginObject()
        for (key, lines) in [("customers", report.customers), ("resellers", report.resellers)] {
            writer.key(key)
            writer.beginArray()
            for line in lines {
                writer.beginObject()
                writer.member("name", line.name)
                margin("before", line.before)
                margin("after", line.after)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.key("provider")
        writer.beginObject()
        margin("before", report.provider.before)
        margin("after", report.provider.after)
        writer.endObject()
        writer.endObject()
        writer.key("summary")
        writer.beginObject()
        let decisions = report.outcomes.flatMap(\.decisions)
        for action in RightsizingDecision.Action.allCases { writer.member(action.rawValue, decisions.count { $0.action == action }) }
        writer.endObject()
        writer.key("applied")
        writer.beginArray()
        for result in context.results {
            writer.beginObject()
            writer.member("address", result.address.description)
            writer.member("engine", result.engine)
            switch result.outcome {
            case .succeeded: writer.member("status", "succeeded")
            case .failed(let text):
                writer.member("status", "failed")
                writer.member("error", text)
            case .skipped(let cause):
                writer.member("status", "skipped")
                writer.member("error", "\(cause) failed")
            case .awaiting(let text):
                writer.member("status", "waiting")
                writer.member("error", text)
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text + "\n"
    }
}
