import Foundation

/// The decisions of a run with the margin rolled up per customer, per reseller (its whole
/// subtree) and for the provider, before and after.
public struct RightsizingReport: Sendable {
    public struct Line: Sendable, Hashable {
        /// Whose margin: a customer's, a reseller's (with every customer below it) or the whole
        /// estate's. A reseller and a customer may share a code; this tells them apart.
        public enum Level: String, Sendable, Hashable { case customer, reseller, provider }

        /// A customer or reseller code; "provider" for the whole estate.
        public var name: String
        public var level: Level
        public var before: Margin
        public var after: Margin
    }

    public var at: Date
    public var outcomes: [RightsizingOutcome]
    public var customers: [Line]
    /// Each reseller with every customer below it, in code order.
    public var resellers: [Line]
    public var provider: Line

    public init(_ outcomes: [RightsizingOutcome], at date: Date, desired: DesiredState) {
        at = date
        self.outcomes = outcomes
        var byCustomer: [String: (Margin, Margin)] = [:]
        for outcome in outcomes {
            let (before, after) = byCustomer[outcome.group.customer] ?? (.zero, .zero)
            byCustomer[outcome.group.customer] = (before + outcome.before, after + outcome.after)
        }
        customers = byCustomer.map { Line(name: $0.key, level: .customer, before: $0.value.0, after: $0.value.1) }.sorted { $0.name < $1.name }
        func text(_ value: AttributeValue?) -> String? {
            if case .string(let text) = value { return text }
            return nil
        }
        var byReseller: [String: (Margin, Margin)] = [:]
        for line in customers {
            var next = text(desired.resource(at: .customer(line.name))?["reseller"])
            var seen = Set<String>()
            while let code = next, seen.insert(code).inserted {
                let (before, after) = byReseller[code] ?? (.zero, .zero)
                byReseller[code] = (before + line.before, after + line.after)
                next = text(desired.resource(at: .reseller(code))?["parent"])
            }
        }
        resellers = byReseller.map { Line(name: $0.key, level: .reseller, before: $0.value.0, after: $0.value.1) }.sorted { $0.name < $1.name }
        provider = Line(
            name: "provider", level: .provider, before: customers.reduce(.zero) { $0 + $1.before }, after: customers.reduce(.zero) { $0 + $1.after })
    }

    /// The decisions that change a subscription.
    public var changes: [RightsizingDecision] { outcomes.flatMap(\.decisions).filter(\.changes) }
}
