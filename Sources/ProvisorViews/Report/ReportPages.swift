import Foundation
import Plot
import ProvisorCore
import ProvisorRuntime

/// The report's pages, built with Plot. Every value from manifests, state or engines is written
/// through `Node.safe` / `Node.safeAttribute` (HTMLText): a `<script>` in a reseller's file is text.
enum ReportPages {
    typealias Body = Node<HTML.BodyContext>

    // MARK: The overview

    static func index(_ model: ReportModel) -> String {
        let outcome = model.outcome
        let title = outcome.scope.reseller.map { "Reseller \($0)" } ?? "The estate"
        return page(
            title: title, stylesheet: "report.css",
            body: [
                header(model, title: title),
                .section(
                    .id("search"), .h2("Search"),
                    .element(
                        named: "input",
                        nodes: [
                            .attribute(named: "type", value: "search"), .attribute(named: "id", value: "q"),
                            .attribute(named: "placeholder", value: "customer code, name, domain or UPN"),
                        ]),
                    .ul(.id("results"))),
                .section(.id("tree"), .h2("Resellers and customers"), tree(model)),
                planSection(outcome.plan.changes.filter { outcome.scope.contains($0.address) }, linkPrefix: "customers/"),
                outcome.plan.isRefused && outcome.scope.reseller == nil
                    ? .section(
                        .class("refused"), .h3("Refused: reconcile would apply nothing until this is settled"),
                        .ul(.forEach(outcome.plan.refusals) { .li(.safe($0.description)) }))
                    : .empty,
                driftSection(outcome.drifts, observations: outcome.observations, linkPrefix: "customers/"),
                auditSection(outcome.audit, linkPrefix: "customers/"),
                rightsizingOverview(model),
                .script(.src("search.js")),
            ])
    }

    static func header(_ model: ReportModel, title: String) -> Body {
        let outcome = model.outcome
        let commit = outcome.plan.commit.map { " at commit \($0.shortSHA)" } ?? ""
        return .header(
            .h1(.safe("Provisor: \(title)")),
            .p(
                .class("meta"),
                .safe(
                    "Generated \(StateView.timestamp(outcome.generatedAt)) from the manifests\(commit) and \(outcome.state)."
                )),
            .ul(
                .class("figures"),
                .li(.strong(.safe(String(model.resellers.count))), .safe(" resellers")),
                .li(.strong(.safe(String(model.customerCodes.count))), .safe(" customers")),
                .li(.strong(.safe(String(model.users))), .safe(" users")),
                .li(.strong(.safe(String(planCount(outcome)))), .safe(" planned changes")),
                .li(.strong(.safe(String(outcome.drifts.count))), .safe(" drifted")),
                .li(.strong(.safe(String(outcome.audit.count))), .safe(" audit entries"))
            ))
    }

    static func planCount(_ outcome: ReportRun.Outcome) -> Int {
        outcome.plan.changes.count { outcome.scope.contains($0.address) }
    }

    /// The reseller tree down to customers, each linked to its page.
    static func tree(_ model: ReportModel) -> Body {
        func reseller(_ code: String) -> Node<HTML.ListContext> {
            let name = ReportModel.text(model.resellers[code]?["name"]) ?? ""
            return .li(
                .class("reseller"),
                .strong(.safe(code)), .safe(" " + name),
                .ul(
                    .forEach(model.childResellers[code] ?? []) { reseller($0) },
                    .forEach(model.resellerCustomers[code] ?? []) { code in
                        let customer = model.resources[code]?.first { $0.kind == .customer }
                        return .li(
                            .class("customer"),
                            .a(.safeAttribute("href", "customers/" + ReportModel.fileName(code)), .safe(code)),
                            .safe(" " + (ReportModel.text(customer?["name"]) ?? "")))
                    }))
        }
        return .ul(.class("tree"), .forEach(model.roots) { reseller($0) })
    }

    // MARK: A customer's page

    static func customer(_ code: String, _ model: ReportModel) -> String {
        let outcome = model.outcome
        let resources = model.resources[code] ?? []
        let customer = resources.first { $0.kind == .customer }
        let value = { (name: String) in customer?[name].map { ExplainView.text($0, name: name) } ?? "" }
        let users = resources.filter { $0.kind == .user }
        let services = resources.filter { $0.kind == .customerService || $0.kind == .userService }
        let servicesByUser = Dictionary(grouping: services.filter { $0.kind == .userService }) { $0.address.user ?? "" }
        let outputs = model.outputs[.customer(code)] ?? []
        return page(
            title: "\(code): \(value("name"))", stylesheet: "../report.css",
            body: [
                .header(
                    .p(.a(.href("../index.html"), .text("← the estate"))),
                    .h1(.safe("\(code): \(value("name"))")),
                    .p(.class("meta"), .safe("Reseller \(value("reseller")) · \(value("type")) · \(value("status"))"))),
                .section(
                    .h2("Customer"),
                    definitions([
                        ("Contact", [value("contact.name"), value("contact.email"), value("contact.phone")].filter { !$0.isEmpty }.joined(separator: " · ")),
                        ("Domains", ([value("domains.primary")] + list(customer?["domains.aliases"])).filter { !$0.isEmpty }.joined(separator: ", ")),
                        ("Location", [value("location.type"), value("location.name")].filter { !$0.isEmpty }.joined(separator: " · ")),
                        ("Engine", value("engine")),
                        (
                            "Address",
                            [value("address.street"), value("address.city"), value("address.postalCode"), value("address.country")].filter { !$0.isEmpty }
                                .joined(separator: ", ")
                        ),
                        ("Outputs", outputs.map { "\($0.name)=\(ExplainView.text($0.value, name: $0.name))" }.joined(separator: ", ")),
                    ])),
                .section(
                    .h2(.safe("Users (\(users.count))")),
                    .table(
                        .tr(.th("User"), .th("UPN"), .th("Name"), .th("Status"), .th("Services")),
                        .forEach(users) { user in
                            let name = user.address.user ?? ""
                            let own = (servicesByUser[name] ?? []).map { $0.address.service ?? "" }
                            return .tr(
                                .safeAttribute("id", "user-" + name),
                                .td(.safe(name)), .td(.safe(ReportModel.text(user["upn"]) ?? "")),
                                .td(.safe(ReportModel.text(user["displayName"]) ?? "")), .td(.safe(ReportModel.text(user["status"]) ?? "")),
                                .td(.safe(own.joined(separator: ", "))))
                        })),
                .section(
                    .h2(.safe("Services (\(services.count))")),
                    .table(
                        .tr(.th("Service"), .th("Service sold as"), .th("Plan"), .th("Plan sold as"), .th("Cost"), .th("Price"), .th("Engine")),
                        .forEach(services) { service in
                            let text = { (name: String) in service[name].map { ExplainView.text($0, name: name) } ?? "" }
                            return .tr(
                                .td(.safe(service.address.description.dropFirst("customer/\(code)/".count).description)),
                                .td(.safe(text(AttributeName.serviceName))), .td(.safe(text("plan"))), .td(.safe(text("plan.name"))),
                                .td(.safe(text("plan.costPrice"))), .td(.safe(text("plan.salesPrice"))), .td(.safe(text("engine"))))
                        })),
                .section(
                    .h2("Effective values"),
                    .p(.class("meta"), .text("Each value with the level and the file:line that set it (provisor explain).")),
                    // Written as data and laid out by report.js: the tables are most of a
                    // customer's page, and far cheaper to write as JSON.
                    .div(.id("values")),
                    .element(named: "noscript", nodes: [.text("Shown with JavaScript; provisor explain ADDRESS prints them too.")]),
                    .script(.raw(ReportAssets.values(code, model))), .script(.src("../report.js"))),
                planSection(model.changes[code] ?? [], linkPrefix: nil),
                driftSection(model.drifts[code] ?? [], observations: outcome.observations, linkPrefix: nil),
                auditSection(model.audit[code] ?? [], linkPrefix: nil),
                model.rightsizing[code].map { line in
                    .section(.id("rightsizing"), .h2("Right-sizing"), margins([line]), .raw(MarginChart.svg(line, title: "Customer \(code)")))
                } ?? .empty,
            ])
    }

    static func list(_ value: AttributeValue?) -> [String] {
        if case .list(let items)? = value { return items }
        return value.map { [$0.description] } ?? []
    }

    // MARK: Sections both kinds of page have

    static func planSection(_ changes: [Change], linkPrefix: String?) -> Body {
        let shown = changes.prefix(1000)
        return .section(
            .id("plan"), .h2(.safe("What the next reconcile sends (\(changes.count))")),
            changes.isEmpty
                ? .p(.text("No changes: the recorded state matches the manifests."))
                : .table(
                    .tr(.th("Action"), .th("Address"), .th("Engine"), .th("Why")),
                    .forEach(shown) { change in
                        .tr(
                            .class(change.action.rawValue), .td(.safe(change.action.rawValue)), .td(link(change.address, linkPrefix)),
                            .td(.safe(change.engine)), .td(.safe(change.reason.description)))
                    }),
            changes.count > shown.count ? .p(.safe("And \(changes.count - shown.count) more: provisor plan lists them all.")) : .empty)
    }

    static func driftSection(_ drifts: [Drift], observations: [ObservationRecord], linkPrefix: String?) -> Body {
        let read = observations.map { "\($0.engine) \($0.observedAt.map(StateView.timestamp) ?? "never read successfully")" }
        return .section(
            .id("drift"), .h2(.safe("Drift as last observed (\(drifts.count))")),
            .p(
                .class("meta"),
                .safe(read.isEmpty ? "No engine has been read yet (provisor drift reads them)." : "Engines last read: " + read.joined(separator: "; "))),
            drifts.isEmpty
                ? .p(.text("Nothing drifted."))
                : .table(
                    .tr(.th("Kind"), .th("Engine"), .th("Address"), .th("What")),
                    .forEach(drifts) { drift in
                        .tr(
                            .td(.safe(drift.kind.rawValue)), .td(.safe(drift.engine)), .td(drift.address.map { link($0, linkPrefix) } ?? .empty),
                            .td(.safe(what(drift))))
                    }))
    }

    /// Why an engine is unknown, or what changed.
    static func what(_ drift: Drift) -> String {
        if let reason = drift.reason { return reason }
        return drift.changes.map { change in "\(change.name): \(change.old?.description ?? "-") → \(change.new)" }.joined(separator: "; ")
    }

    static func auditSection(_ entries: [AuditEntry], linkPrefix: String?) -> Body {
        let shown = entries.prefix(ReportModel.auditShown)
        return .section(
            .id("audit"), .h2(.safe("Audit trail (\(entries.count), newest first)")),
            entries.isEmpty
                ? .p(.text("Nothing recorded yet."))
                : .table(
                    .tr(.th("When"), .th("Serial"), .th("Who"), .th("Action"), .th("Address"), .th("Detail")),
                    .forEach(shown) { entry in
                        .tr(
                            .td(.safe(StateView.timestamp(entry.at))), .td(.safe(String(entry.serial))), .td(.safe(entry.actor)),
                            .td(.safe(entry.action)), .td(link(entry.address, linkPrefix)), .td(.safe(entry.detail ?? "")))
                    }),
            entries.count > shown.count ? .p(.safe("And \(entries.count - shown.count) older: provisor history lists them all.")) : .empty)
    }

    static func rightsizingOverview(_ model: ReportModel) -> Body {
        guard let report = model.outcome.rightsizing else {
            return .section(
                .id("rightsizing"), .h2("Right-sizing"),
                .p(.text("Not included: run provisor report with --rightsizing to read the licensed engines and show the margins.")))
        }
        let lines = (model.outcome.scope.reseller == nil ? [report.provider] : []) + model.resellerMargins
        return .section(
            .id("rightsizing"), .h2(.safe("Right-sizing as of \(ISODate.day(report.at))")),
            margins(lines + report.customers.filter { model.rightsizing[$0.name] != nil }),
            .div(.class("charts"), .forEach(lines) { line in .raw(MarginChart.svg(line, title: line.name)) }))
    }

    /// Monthly cost, revenue and margin before and after, a row each.
    static func margins(_ lines: [RightsizingReport.Line]) -> Body {
        .table(
            .class("margins"),
            .tr(.th("Who"), .th(""), .th("Licences"), .th("Billed"), .th("Cost"), .th("Revenue"), .th("Margin"), .th("Margin %")),
            .forEach(lines) { line in
                .group(
                    .forEach([("before", line.before), ("after", line.after)]) { label, margin in
                        .tr(
                            .td(.safe(label == "before" ? line.name : "")), .td(.safe(label)), .td(.safe(String(margin.purchased))),
                            .td(.safe(String(margin.billed))), .td(.safe(MarginChart.dollars(margin.cost))),
                            .td(.safe(MarginChart.dollars(margin.revenue))), .td(.safe(MarginChart.dollars(margin.margin))),
                            .td(.safe(margin.marginPercent.map(MarginChart.percent) ?? "-")))
                    })
            })
    }

    static func definitions(_ pairs: [(String, String)]) -> Body {
        .element(
            named: "dl",
            nodes: pairs.filter { !$0.1.isEmpty }.flatMap { name, value -> [Body] in
                [.element(named: "dt", nodes: [.safe(name)]), .element(named: "dd", nodes: [.safe(value)])]
            })
    }

    /// An address, linked to its customer's page (from the overview) or its user's row.
    static func link(_ address: ResourceAddress, _ prefix: String?) -> Body {
        guard let customer = address.customer else { return .safe(address.description) }
        let page = prefix.map { $0 + ReportModel.fileName(customer) } ?? ""
        let anchor = address.user.map { "#user-" + $0 } ?? ""
        return .a(.safeAttribute("href", page + anchor), .safe(address.description))
    }

    static func page(title: String, stylesheet: String, body: [Body]) -> String {
        HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)), .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                // Not Plot's .title(): it also writes the title into meta attributes, unescaped.
                .element(named: "title", nodes: [.safe(title)]), .stylesheet(stylesheet)),
            .body(.group(body))
        ).render()
    }
}
