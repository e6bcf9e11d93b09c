import Foundation

/// Which plan of a service an engine's service is: by SKU (the licence's, then the plan's),
/// then by name.
enum PlanMatch {
    case found(Plan, how: String?)
    case none(String)

    static func best(for observed: ObservedResource, among plans: [Plan], of service: String) -> PlanMatch {
        let text = { (name: String) -> String? in
            if case .string(let value)? = observed[name], !value.isEmpty { return value }
            return nil
        }
        let skus = [text(AttributeName.licenseSKU), text(AttributeName.planSKU)].compactMap { $0 }
        let names = [text(AttributeName.planName), text("plan")].compactMap { $0 }
        for sku in skus {
            var found = plans.filter { $0.license?.sku == sku || $0.sku.value == sku }
            guard !found.isEmpty else { continue }
            if found.count > 1, let term = text(AttributeName.licenseTerm) {
                let sameTerm = found.filter { $0.license?.term.rawValue == term }
                if !sameTerm.isEmpty { found = sameTerm }
            }
            if found.count > 1 {
                let sameName = found.filter { plan in names.contains { Self.named(plan, $0) } }
                if !sameName.isEmpty { found = sameName }
            }
            if found.count == 1 { return .found(found[0], how: nil) }
            return .found(found[0], how: "guessed: SKU \(sku) is sold by plans \(found.map(\.code.value).joined(separator: ", ")); the first was chosen")
        }
        let byName = plans.filter { plan in names.contains { named(plan, $0) } }
        let reported = skus.isEmpty ? "the engine reports no SKU" : "no plan sells SKU \(skus[0])"
        if byName.count == 1 { return .found(byName[0], how: "mapped by name: \(reported)") }
        if byName.count > 1 {
            return .found(
                byName[0], how: "guessed: \(reported), and plans \(byName.map(\.code.value).joined(separator: ", ")) share its name; the first was chosen")
        }
        if skus.isEmpty, names.isEmpty, plans.count == 1 {
            return .found(plans[0], how: "guessed: the engine reports no SKU or plan name, and this is the service's only plan")
        }
        let what = [skus.first.map { "SKU \($0)" }, names.first.map { "name '\($0)'" }].compactMap { $0 }
        let known = plans.map { "\($0.code.value) (\($0.license?.sku ?? $0.sku.value))" }.joined(separator: ", ")
        if what.isEmpty { return .none("the engine reports no SKU or plan name, and service \(service) has several plans (\(known))") }
        return .none("\(what.joined(separator: " and ")) \(what.count == 1 ? "matches" : "match") no plan of service \(service) (its plans: \(known))")
    }

    static func named(_ plan: Plan, _ name: String) -> Bool {
        plan.name.value.caseInsensitiveCompare(name) == .orderedSame || plan.code.value == name
    }
}
