import Foundation

/// One Microsoft 365 subscription of one customer for one SKU, as the engine reports it.
public struct Subscription: Sendable, Hashable {
    public typealias Term = Plan.Term

    /// Licences added on one date; they may be taken back (refunded) until `refundableUntil`.
    public struct Batch: Sendable, Hashable {
        public var quantity: Int
        public var addedAt: Date
        public var refundableUntil: Date

        /// Microsoft allows a reduction within 7 days of a purchase or renewal.
        public static let refundWindow: TimeInterval = 7 * 24 * 3600

        public init(quantity: Int, addedAt: Date, refundableUntil: Date? = nil) {
            self.quantity = quantity
            self.addedAt = addedAt
            self.refundableUntil = refundableUntil ?? addedAt.addingTimeInterval(Self.refundWindow)
        }
    }

    public var id: String
    public var customer: String
    /// The engine that holds it.
    public var engine: String
    /// The SKU part number (SPB, O365_BUSINESS_PREMIUM, SPE_E3, …).
    public var sku: String
    public var quantity: Int
    public var term: Term
    public var billingCycle: String
    /// When the term ends and (with auto-renew) renews.
    public var termEnd: Date
    public var autoRenew: Bool
    public var trial: Bool
    /// What the provider pays per licence per month; nil when neither the engine nor a plan says.
    public var costPrice: Decimal?
    /// The quantity already scheduled for the renewal; nil: it renews with `quantity`.
    public var renewalQuantity: Int?
    /// The quantities bought, oldest first; the renewal quantity counts as a batch at renewal.
    public var batches: [Batch]

    public init(
        id: String, customer: String, engine: String = "", sku: String, quantity: Int, term: Term, billingCycle: String = "monthly", termEnd: Date,
        autoRenew: Bool = true, trial: Bool = false, costPrice: Decimal?, renewalQuantity: Int? = nil, batches: [Batch] = []
    ) {
        self.id = id
        self.customer = customer
        self.engine = engine
        self.sku = sku
        self.quantity = quantity
        self.term = term
        self.billingCycle = billingCycle
        self.termEnd = termEnd
        self.autoRenew = autoRenew
        self.trial = trial
        self.costPrice = costPrice
        self.renewalQuantity = renewalQuantity
        self.batches = batches
    }

    /// A free SKU costs nothing, so there is nothing to right-size.
    public var isFree: Bool { costPrice == 0 }

    /// How many licences may still be taken back at `date`: the batches inside their window.
    public func refundable(at date: Date) -> Int {
        min(quantity, batches.filter { date <= $0.refundableUntil }.reduce(0) { $0 + $1.quantity })
    }

    /// What the licences cost a month at `quantity`; a trial costs nothing.
    func cost(at quantity: Int) -> Decimal { trial ? 0 : Decimal(quantity) * (costPrice ?? 0) }
}
