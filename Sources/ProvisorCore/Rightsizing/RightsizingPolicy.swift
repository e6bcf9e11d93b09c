import Foundation

/// How right-sizing treats one customer's licences of one plan, resolved from the manifests'
/// `rightsizing` settings like any property: the service, the plan, each reseller from the root
/// down, the customer; at one level the plan-specific setting after the service-wide one.
public struct RightsizingPolicy: Sendable, Hashable {
    /// Spare licences kept above the assigned ones.
    public var buffer: Int
    /// Never fewer licences than this.
    public var minimum: Int
    /// False: decreases are only reported, never made.
    public var automaticDecreases: Bool
    /// Where the `ignore: true` that applies is written ("customer TKL at customers/tkl.yaml:9:7");
    /// nil when right-sizing is not ignored.
    public var ignoredBy: String?

    public init(buffer: Int = 0, minimum: Int = 1, automaticDecreases: Bool = true, ignoredBy: String? = nil) {
        self.buffer = buffer
        self.minimum = minimum
        self.automaticDecreases = automaticDecreases
        self.ignoredBy = ignoredBy
    }

    /// The policy after one level's settings.
    mutating func apply(_ settings: RightsizingSettings?, _ level: Level) {
        guard let settings else { return }
        if let buffer = settings.buffer { self.buffer = buffer.value }
        if let minimum = settings.minimum { self.minimum = minimum.value }
        if let decreases = settings.decreases { automaticDecreases = decreases.value == .automatic }
        if let ignore = settings.ignore { ignoredBy = ignore.value ? "\(level) at \(ignore.location)" : nil }
    }
}

extension Resolution {
    /// The right-sizing policy of `customer`'s licences of `service` (and `plan`); nil when the
    /// customer or service is unknown.
    public func rightsizingPolicy(customer code: String, service code_: String, plan planCode: String?) -> RightsizingPolicy? {
        let index = resolver.index
        guard let customer = index.customers[code], let service = index.services[code_],
            let chain = resolver.resellerScopes[customer.reseller.value]?.chain
        else { return nil }
        var policy = RightsizingPolicy()
        policy.apply(service.rightsizing, .serviceDefault)
        if let planCode { policy.apply(service.plan(planCode)?.rightsizing, .plan(planCode)) }
        func apply(_ overrides: [ServiceOverride], _ level: Level) {
            guard let override = overrides.first(where: { $0.service.value == code_ }) else { return }
            policy.apply(override.rightsizing, level)
            if let planCode { policy.apply(override.plans.first { $0.plan.value == planCode }?.rightsizing, level) }
        }
        for reseller in chain.reversed() { apply(reseller.overrides, .reseller(reseller.code.value)) }
        apply(customer.overrides, .customer(code))
        return policy
    }

    /// Every plan in the catalogue whose licence is `sku`, by service and plan code.
    public func licencePlans(sku: String) -> [LicensePlan] {
        resolver.index.services.values.flatMap { service in
            service.plans.compactMap { plan -> LicensePlan? in
                guard let license = plan.license, license.sku == sku else { return nil }
                return LicensePlan(
                    service: service.code.value, plan: plan.code.value, term: license.term,
                    costPrice: plan.costPrice?.value, salesPrice: plan.salesPrice?.value)
            }
        }.sorted { ($0.service, $0.plan) < ($1.service, $1.plan) }
    }
}
