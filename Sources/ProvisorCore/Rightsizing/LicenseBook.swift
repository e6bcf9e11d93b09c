import Foundation

/// Puts together what right-sizing decides from: each customer's subscriptions per SKU, the
/// assignments the engines hold (licences assigned by hand count) and the ones the manifests
/// make (those are billed), the prices and the policy of the plan that sells the SKU.
public enum LicenseBook {
    /// One group per managed customer and SKU that has a subscription, in customer and SKU
    /// order. Subscriptions of customers the manifests do not have are left out.
    public static func groups(_ resolution: Resolution, subscriptions: [Subscription], observed: [ObservedResource]) -> [LicenseGroup] {
        struct Key: Hashable { var customer: String, sku: String }
        func sku(_ value: AttributeValue?) -> String? {
            if case .string(let text) = value { return text }
            return nil
        }
        func price(_ value: AttributeValue?) -> Decimal? {
            switch value {
            case .number(let number): return number
            case .integer(let number): return Decimal(number)
            default: return nil
            }
        }
        let wanted = Set(subscriptions.map { Key(customer: $0.customer, sku: $0.sku) })
        var billed: [Key: Set<ResourceAddress>] = [:]
        var sold: [Key: [DesiredResource]] = [:]
        for resource in resolution.desired.resources where resource.kind == .userService {
            guard let code = sku(resource[AttributeName.licenseSKU]) else { continue }
            let key = Key(customer: resource.address.owner, sku: code)
            guard wanted.contains(key) else { continue }
            billed[key, default: []].insert(resource.address)
            sold[key, default: []].append(resource)
        }
        var inUse = billed
        for resource in observed where resource.address.kind == .userService {
            guard let code = sku(resource.attributes.first(where: { $0.name == AttributeName.licenseSKU })?.value) else { continue }
            let key = Key(customer: resource.address.owner, sku: code)
            if wanted.contains(key) { inUse[key, default: []].insert(resource.address) }
        }

        var catalogue: [String: [LicensePlan]] = [:]
        var groups: [LicenseGroup] = []
        let bySKU = Dictionary(grouping: subscriptions) { Key(customer: $0.customer, sku: $0.sku) }
        for (key, members) in bySKU.sorted(by: { ($0.key.customer, $0.key.sku) < ($1.key.customer, $1.key.sku) }) {
            guard resolution.desired.resource(at: .customer(key.customer)) != nil else { continue }
            let members = members.sorted { $0.id < $1.id }
            // The plan that sells the SKU: the one the customer's users have, else the catalogue's.
            let plans = catalogue[key.sku] ?? resolution.licencePlans(sku: key.sku)
            catalogue[key.sku] = plans
            let assigned = sold[key]?.first
            let plan: (service: String, plan: String)?
            if let assigned, let service = assigned.address.service, case .string(let code)? = assigned["plan"] {
                plan = (service, code)
            } else {
                plan = (plans.first { $0.term == members[0].term } ?? plans.first).map { ($0.service, $0.plan) }
            }
            let catalogued = plans.first { $0.service == plan?.service && $0.plan == plan?.plan }
            var priced = members
            for position in priced.indices where priced[position].costPrice == nil {
                // The engine did not say what a licence costs: the plan of the same term does.
                let term = priced[position].term
                let ofTerm = sold[key]?.first { sku($0[AttributeName.licenseTerm]) == term.rawValue }
                priced[position].costPrice =
                    price(ofTerm?[AttributeName.planCostPrice]) ?? plans.first { $0.term == term }?.costPrice
                    ?? price(assigned?[AttributeName.planCostPrice]) ?? catalogued?.costPrice
            }
            groups.append(
                LicenseGroup(
                    customer: key.customer, sku: key.sku, subscriptions: priced, assigned: inUse[key]?.count ?? 0, billed: billed[key]?.count ?? 0,
                    salesPrice: price(assigned?[AttributeName.planSalesPrice]) ?? catalogued?.salesPrice ?? 0,
                    plan: plan.map { "\($0.service)/\($0.plan)" },
                    policy: plan.flatMap { resolution.rightsizingPolicy(customer: key.customer, service: $0.service, plan: $0.plan) }))
        }
        return groups
    }
}
