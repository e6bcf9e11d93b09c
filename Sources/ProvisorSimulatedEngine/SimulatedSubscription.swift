import Foundation

/// A Microsoft 365 subscription as the simulated engine keeps it: a quantity bought in batches,
/// each refundable for 7 days, renewing at its term end. The JSON form is what the engine logs,
/// shows and answers to a `subscriptions` request.
public struct SimulatedSubscription: Codable, Hashable, Sendable {
    /// Licences bought on one date.
    public struct Batch: Codable, Hashable, Sendable {
        public var quantity: Int
        public var addedAt: String
        public var refundableUntil: String
    }

    public var id: String
    public var customer: String?
    public var sku: String?
    public var term: String?
    public var billingCycle: String = "monthly"
    public var termEnd: String?
    public var autoRenew: Bool = true
    public var trial: Bool = false
    public var quantity: Int = 0
    public var renewalQuantity: Int?
    public var costPrice: Double?
    public var batches: [Batch] = []
    /// Who holds its licences: set only when the model is shown.
    public var assigned: [String]?

    /// How long after a purchase or renewal licences may be taken back.
    static let refundWindow: TimeInterval = 7 * 24 * 3600

    /// The months a term lasts.
    static func months(_ term: String?) -> Int { term == "P3Y" ? 36 : term == "P1Y" ? 12 : 1 }

    static func batch(_ quantity: Int, at date: Date) -> Batch {
        Batch(quantity: quantity, addedAt: SimulatedDates.text(date), refundableUntil: SimulatedDates.text(date.addingTimeInterval(refundWindow)))
    }

    /// As it stands at `date`: past its term end (with auto-renew) it has renewed at its
    /// renewal quantity, and that quantity is a new batch refundable for 7 days.
    func current(at date: Date) -> SimulatedSubscription {
        guard autoRenew, var end = termEnd.flatMap(SimulatedDates.parse), date > end else { return self }
        var start = end
        while date > end {
            start = end
            end = SimulatedDates.adding(months: Self.months(term), to: end)
        }
        var renewed = self
        renewed.quantity = renewalQuantity ?? quantity
        renewed.renewalQuantity = nil
        renewed.termEnd = SimulatedDates.text(end)
        renewed.batches = [Self.batch(renewed.quantity, at: start)]
        return renewed
    }

    /// Adds `count` licences bought at `date` (one batch a day).
    mutating func add(_ count: Int, at date: Date) {
        if let last = batches.last, last.addedAt == SimulatedDates.text(date) {
            batches[batches.count - 1].quantity += count
        } else {
            batches.append(Self.batch(count, at: date))
        }
        quantity += count
    }

    /// Takes `count` licences back, newest batches first.
    mutating func remove(_ count: Int) {
        var left = count
        while left > 0, var last = batches.popLast() {
            if last.quantity > left {
                last.quantity -= left
                batches.append(last)
            }
            left -= min(last.quantity, left)
        }
        quantity -= count
    }

    /// Licences that may still be taken back at `date`.
    func refundable(at date: Date) -> Int {
        let open = batches.filter { SimulatedDates.parse($0.refundableUntil).map { date <= $0 } ?? false }
        return min(quantity, open.reduce(0) { $0 + $1.quantity })
    }
}
