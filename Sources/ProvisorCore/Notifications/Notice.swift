import Foundation

/// What a run tells its notification channels: one event, a headline and a line per thing
/// found, and for right-sizing the margins before and after. Built from a run's results and
/// cut down to a reseller's subtree for a channel that routes by reseller.
public struct Notice: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var address: ResourceAddress?
        public var engine: String?
        public var text: String

        public init(address: ResourceAddress?, engine: String?, text: String) {
            self.address = address
            self.engine = engine
            self.text = text
        }
    }

    public var event: NotificationChannel.Event
    public var title: String
    public var lines: [Line]
    /// rightsizing: the provider's line (whole estate only), then resellers', then customers'.
    public var margins: [RightsizingReport.Line]

    public init(event: NotificationChannel.Event, title: String, lines: [Line], margins: [RightsizingReport.Line] = []) {
        self.event = event
        self.title = title
        self.lines = lines
        self.margins = margins
    }

    // MARK: From a run's results

    /// New drift (drift the last reading did not show); nil when there is none.
    public static func drift(_ drifts: [Drift]) -> Notice? {
        guard !drifts.isEmpty else { return nil }
        return Notice(
            event: .drift, title: "\(counted(drifts.count, "new drift")) found",
            lines: drifts.map { drift in
                let what = drift.reason ?? drift.changes.map { "\($0.name): \($0.old?.description ?? "-") → \($0.new)" }.joined(separator: "; ")
                return Line(
                    address: drift.address, engine: drift.engine,
                    text: "\(drift.kind.rawValue) \(drift.address?.description ?? "engine \(drift.engine)")\(what.isEmpty ? "" : ": \(what)")")
            })
    }

    /// Changes that failed or were skipped; nil when every change succeeded.
    public static func applyFailed(_ results: [Applier.Result]) -> Notice? {
        var lines: [Line] = []
        var failed = 0, skipped = 0
        for result in results {
            switch result.outcome {
            case .succeeded, .awaiting: continue
            case .failed(let reason):
                failed += 1
                lines.append(Line(address: result.address, engine: result.engine, text: "\(result.action.rawValue) \(result.address) failed: \(reason)"))
            case .skipped(let because):
                skipped += 1
                lines.append(
                    Line(
                        address: result.address, engine: result.engine, text: "\(result.action.rawValue) \(result.address) skipped: \(because) did not succeed")
                )
            }
        }
        guard !lines.isEmpty else { return nil }
        return Notice(event: .applyFailed, title: "reconcile: \(failed) failed, \(skipped) skipped", lines: lines)
    }

    /// A refused plan: nothing was applied.
    public static func planRefused(_ refusals: [String]) -> Notice? {
        guard !refusals.isEmpty else { return nil }
        return Notice(
            event: .planRefused, title: "reconcile refused the plan: nothing was applied",
            lines: refusals.map { Line(address: nil, engine: nil, text: $0) })
    }

    /// The subscriptions right-sizing changed, with the margins before and after; nil when it
    /// changed none.
    public static func rightsizing(_ report: RightsizingReport, applied: Bool) -> Notice? {
        guard applied, !report.changes.isEmpty else { return nil }
        let lines = report.outcomes.flatMap { outcome in
            outcome.decisions.filter(\.changes).map { decision in
                Line(
                    address: .customer(outcome.group.customer), engine: decision.subscription.engine,
                    text: "\(decision.action.rawValue) \(decision.subscription.id) (\(outcome.group.customer)): \(decision.reason)")
            }
        }
        let provider = report.provider
        return Notice(
            event: .rightsizing,
            title:
                "right-sizing changed \(counted(lines.count, "subscription")); monthly margin \(money(provider.before.margin)) → \(money(provider.after.margin))",
            lines: lines, margins: [provider] + report.resellers + report.customers)
    }

    // MARK: Routing

    /// Which channel hears which notice: each channel that takes the notice's event, a
    /// reseller's channel only its subtree's share (`desired` says the tree; without it a
    /// reseller's channel hears nothing). Also says which channels name a reseller the
    /// manifests do not have, so a typo is not silence.
    public static func route(
        _ notices: [Notice], to channels: [NotificationChannel], desired: DesiredState?
    ) -> (
        deliveries: [(channel: NotificationChannel, notice: Notice)], unknownResellers: [NotificationChannel]
    ) {
        var deliveries: [(channel: NotificationChannel, notice: Notice)] = []
        var unknown: [NotificationChannel] = []
        for channel in channels {
            if let reseller = channel.reseller, let desired, desired.resource(at: .reseller(reseller)) == nil {
                unknown.append(channel)
                continue
            }
            for notice in notices where channel.events.contains(notice.event) {
                if let reseller = channel.reseller {
                    if let desired, let share = notice.scoped(to: reseller, in: desired) { deliveries.append((channel, share)) }
                } else {
                    deliveries.append((channel, notice))
                }
            }
        }
        return (deliveries, unknown)
    }

    // MARK: A reseller's share

    /// What a channel routed to `reseller` sees: the lines about customers in its subtree and
    /// its subtree's margins; nil when nothing is left. Lines about no customer (an engine, a
    /// refusal) and the provider's margin are not a reseller's to see.
    public func scoped(to reseller: String, in desired: DesiredState) -> Notice? {
        let below = desired.resellers(below: reseller)
        let customers = desired.customers(of: below)
        let kept = lines.filter { $0.address?.customer.map(customers.contains) == true }
        guard !kept.isEmpty else { return nil }
        var scoped = self
        scoped.lines = kept
        // By level, never by name alone: a customer may carry its reseller's or the provider's
        // code, and must not bring their margins with it.
        scoped.margins = margins.filter {
            switch $0.level {
            case .reseller: return below.contains($0.name)
            case .customer: return customers.contains($0.name)
            case .provider: return false
            }
        }
        // Its own margin first: the headline of a chat card shows the first.
        if let own = scoped.margins.firstIndex(where: { $0.level == .reseller && $0.name == reseller }) {
            scoped.margins.insert(scoped.margins.remove(at: own), at: 0)
        }
        if event == .rightsizing, let own = scoped.margins.first(where: { $0.level == .reseller && $0.name == reseller }) {
            scoped.title =
                "right-sizing changed \(Self.counted(kept.count, "subscription")) of \(reseller); monthly margin \(Self.money(own.before.margin)) → \(Self.money(own.after.margin))"
        } else if event == .drift {
            scoped.title = "\(Self.counted(kept.count, "new drift")) found under \(reseller)"
        } else if event == .applyFailed {
            scoped.title = "reconcile: \(Self.counted(kept.count, "change")) under \(reseller) failed or were skipped"
        }
        return scoped
    }

    static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    static func money(_ amount: Decimal) -> String {
        let number = NSDecimalNumber(decimal: amount).doubleValue
        return (number < 0 ? "-$" : "$") + String(format: "%.2f", abs(number))
    }
}
