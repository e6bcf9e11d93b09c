import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders a plan for people (a terminal, a pull-request comment) and for programs (JSON).
public enum PlanView {
    /// "warning: policy price-floor denies the plan: …; --allow-policy price-floor lets it through, and the audit log records that."
    /// The note a plan gets while messages earlier runs sent still wait for their answers.
    public static func waitingNote(_ waiting: [JournalEntry]) -> String? {
        guard let first = waiting.first else { return nil }
        let more = waiting.count > 1 ? " and \(waiting.count - 1) more" : ""
        return
            "note: \(waiting.count) message\(waiting.count == 1 ? "" : "s") an earlier run sent still wait\(waiting.count == 1 ? "s" : "") for an engine's answer (\(first.action) \(first.address) on \(first.payload?.engine ?? "?")\(more); provisor history lists them): reconcile collects the answers first and sends nothing more about those resources until they come"
    }

    public static func overrideLine(_ override: PolicyCheck.Override) -> String {
        let said: String
        switch override.refusal {
        case .policyDenied(_, let reasons): said = "denies the plan: " + (reasons.isEmpty ? "without giving a reason" : reasons.joined(separator: "; "))
        case .policyFailed(_, let reason): said = "could not judge the plan: " + reason
        default: said = override.refusal.description
        }
        return "warning: policy \(override.policy) \(said); --allow-policy \(override.policy) lets it through, and the audit log records that."
    }

    /// Where the plan was made against, for its first line.
    public struct Context {
        /// "SQLite .provisor/state.db".
        var store: String
        /// False when no state exists yet.
        var stateExists: Bool
        /// For `provisor diff`: what is compared ("base main (1a2b3c4d5e6f) with the working
        /// tree"), in place of the state.
        var comparison: String? = nil
        /// Shown after the headline (a diff's changed files).
        var preamble = ""

        public init(store: String, stateExists: Bool, comparison: String? = nil, preamble: String = "") {
            self.store = store
            self.stateExists = stateExists
            self.comparison = comparison
            self.preamble = preamble
        }
    }

    // MARK: Human

    /// Writes the human plan to `sink` in pieces, so a large plan is never held whole. The
    /// customers are written a window at a time, the window's customers on every core.
    public static func human(_ plan: ChangePlan, context: Context, colour: Bool, to sink: (String) -> Void) {
        var out = (plan.commit.map { commitLine($0) + "\n" } ?? "") + headline(plan, context) + "\n" + context.preamble
        for group in groups(plan) {
            out += "\n" + Style.bold.apply("reseller \(group.reseller)", colour) + "\n"
            for change in group.own { appendHuman(change, indent: "  ", colour: colour, to: &out) }
            for window in stride(from: 0, to: group.customers.count, by: 2_048) {
                let customers = group.customers[window..<min(group.customers.count, window + 2_048)]
                let pieces = parallelChunks(customers.count, chunkSize: 64) { range in
                    var text = ""
                    for customer in customers[(window + range.lowerBound)..<(window + range.upperBound)] {
                        text += "\n  " + Style.bold.apply("customer \(customer.code)", colour) + "\n"
                        for change in customer.changes {
                            appendHuman(change, indent: "    ", colour: colour, to: &text)
                        }
                    }
                    return text
                }
                sink(out)
                out = ""
                for piece in pieces { sink(piece) }
            }
        }
        if plan.hasChanges { out += "\n" }
        sink(out + summaryLine(plan, context) + "\n")
    }

    /// One change: its symbol, address and reason, then for a create every attribute and for an
    /// update every changed one, names aligned.
    static func appendHuman(_ change: Change, indent: String, colour: Bool, to out: inout String) {
        let (symbol, style) = marker(change.action)
        out += indent + style.apply("\(symbol) \(change.address)", colour) + "  " + Style.dim.apply(change.reason.description, colour) + "\n"
        let rows: [(name: String, value: String)]
        switch change.action {
        case .create: rows = change.attributes.map { ($0.name, text($0.value, name: $0.name)) }
        case .update:
            rows = change.changedAttributes.map { changed in
                (changed.name, (changed.old.map { text($0, name: changed.name) } ?? "(not recorded)") + " → " + text(changed.new, name: changed.name))
            }
        case .delete: rows = []
        }
        let width = rows.map(\.name.utf8.count).max() ?? 0
        for row in rows {
            out += indent
            out += "      "
            out += row.name
            for _ in 0..<(width - row.name.utf8.count + 2) { out.append(" ") }
            out += row.value
            out += "\n"
        }
    }

    static func headline(_ plan: ChangePlan, _ context: Context) -> String {
        if let comparison = context.comparison {
            return "Comparing \(comparison): \(plan.state.resourceCount) resources at base, \(plan.summary.unchanged) unchanged."
        }
        guard context.stateExists else {
            return "No state recorded yet (\(context.store)): every resource is new."
        }
        let state = plan.state
        return "Planned against \(context.store) at serial \(state.serial) (\(state.resourceCount) resources recorded, \(plan.summary.unchanged) unchanged)."
    }

    /// "Manifests at commit 1a2b3c4d5e6f by Ana Lima <ana@…>: Add JBL's users".
    public static func commitLine(_ commit: CommitInfo) -> String {
        "Manifests at commit \(commit.shortSHA) by \(commit.author): \(commit.summary)"
    }

    /// "Plan: 12 to provision, 3 to update, 1 to deprovision." or "No changes. …".
    public static func summaryLine(_ plan: ChangePlan, _ context: Context? = nil) -> String {
        let summary = plan.summary
        let diff = context?.comparison != nil
        guard plan.hasChanges else {
            return diff
                ? "No changes: both sides give the same resources (\(summary.unchanged))."
                : "No changes: the recorded state matches the manifests (\(summary.unchanged) resources)."
        }
        return (diff ? "Diff" : "Plan") + ": \(summary.create) to provision, \(summary.update) to update, \(summary.delete) to deprovision."
    }

    static func marker(_ action: Change.Action) -> (String, Style) {
        switch action {
        case .create: return ("+", .green)
        case .update: return ("~", .yellow)
        case .delete: return ("-", .red)
        }
    }

    /// A value as a reviewer reads it: prices with two decimals, an empty string as "".
    static func text(_ value: AttributeValue, name: String) -> String {
        if case .string(let string) = value, string.isEmpty || string.first == " " || string.last == " " { return "\"\(string)\"" }
        return ExplainView.text(value, name: name)
    }

    // MARK: Markdown

    /// GitHub's limit for one comment is 65,536 characters; stay under it with room for a
    /// heading a workflow may add.
    public static let defaultCommentLimit = 60_000

    public static func markdown(_ plan: ChangePlan, context: Context, limit: Int = defaultCommentLimit) -> String {
        var head =
            (context.comparison == nil ? "### Provisor plan\n\n" : "### Provisor diff\n\n")
            + (plan.commit.map { commitLine($0) + "\n\n" } ?? "") + headline(plan, context) + "\n\n" + context.preamble
        if plan.hasChanges {
            head += "| | " + Change.Action.allCases.map { "\(marker($0).0) \(verb($0))" }.joined(separator: " | ") + " |\n"
            head += "|---|" + String(repeating: "---:|", count: Change.Action.allCases.count) + "\n"
            var counts: [ResourceAddress.Kind: [Change.Action: Int]] = [:]
            for wave in plan.waves {
                for change in wave.changes { counts[wave.kind, default: [:]][change.action, default: 0] += 1 }
            }
            for kind in ResourceAddress.Kind.resources {
                guard let byAction = counts[kind] else { continue }
                head += "| \(kind.rawValue) | " + Change.Action.allCases.map { String(byAction[$0] ?? 0) }.joined(separator: " | ") + " |\n"
            }
            head += "\n"
        }
        if plan.isRefused {
            head +=
                context.comparison == nil
                ? "> [!CAUTION]\n> **This plan is refused** and cannot be applied:\n"
                : "> [!CAUTION]\n> Against a state recorded from base, **reconcile would refuse** this change:\n"
            for refusal in plan.refusals { head += "> - \(refusal)\n" }
            head += "\n"
        }
        let tail = "**" + summaryLine(plan, context) + "**\n"

        var sections: [(title: String, changes: [Change])] = []
        for group in groups(plan) {
            if !group.own.isEmpty { sections.append(("reseller/\(group.reseller)", group.own)) }
            for customer in group.customers { sections.append(("customer/\(customer.code) (reseller \(group.reseller))", customer.changes)) }
        }
        var body = ""
        var shown = 0
        // Room for the truncation note.
        var used = head.count + tail.count + 400
        for section in sections {
            let text = markdownSection(section.title, section.changes)
            used += text.count
            if used > limit { break }
            body += text
            shown += 1
        }
        if shown < sections.count {
            let hidden = sections[shown...]
            body +=
                "> [!NOTE]\n> \(hidden.count) more sections (\(hidden.reduce(0) { $0 + $1.changes.count }) changes) are not shown: the plan is too large for one comment. "
                + "Run `provisor plan --format json --out plan.json` to see all of it.\n\n"
        }
        return head + body + tail
    }

    static func markdownSection(_ title: String, _ changes: [Change]) -> String {
        let counts = Change.Action.allCases.compactMap { action -> String? in
            let count = changes.filter { $0.action == action }.count
            return count == 0 ? nil : "\(count) to \(verb(action))"
        }
        var out = "<details><summary><b>\(escapeHTML(title))</b>: \(counts.joined(separator: ", "))</summary>\n\n```diff\n"
        for change in changes {
            out += "\(marker(change.action).0) \(change.address)  (\(change.reason))\n"
            switch change.action {
            case .create:
                for attribute in change.attributes { out += "+     \(attribute.name): \(text(attribute.value, name: attribute.name))\n" }
            case .update:
                for changed in change.changedAttributes {
                    out += "-     \(changed.name): \(changed.old.map { text($0, name: changed.name) } ?? "(not recorded)")\n"
                    out += "+     \(changed.name): \(text(changed.new, name: changed.name))\n"
                }
            case .delete: break
            }
        }
        return out + "```\n\n</details>\n\n"
    }

    static func verb(_ action: Change.Action) -> String {
        switch action {
        case .create: return "provision"
        case .update: return "update"
        case .delete: return "deprovision"
        }
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    // MARK: Grouping

    struct ResellerGroup {
        var reseller: String
        /// Changes to the reseller itself.
        var own: [Change] = []
        var customers: [CustomerGroup] = []
    }

    struct CustomerGroup {
        var code: String
        var changes: [Change]
    }

    /// Changes grouped by reseller, then customer, each in address order (a customer before
    /// its services and users, a user before its services).
    static func groups(_ plan: ChangePlan) -> [ResellerGroup] {
        var resellers: [String: ResellerGroup] = [:]
        var customers: [String: [Change]] = [:]
        for change in plan.changes {
            if let customer = change.address.customer {
                customers[customer, default: []].append(change)
            } else {
                resellers[change.address.owner, default: ResellerGroup(reseller: change.address.owner)].own.append(change)
            }
        }
        for (code, changes) in customers {
            let reseller = plan.customerResellers[code] ?? "(unknown)"
            resellers[reseller, default: ResellerGroup(reseller: reseller)].customers.append(
                CustomerGroup(code: code, changes: changes.sorted { $0.address < $1.address }))
        }
        return resellers.values.sorted { $0.reseller < $1.reseller }.map { group in
            var group = group
            group.customers.sort { $0.code < $1.code }
            return group
        }
    }
}
