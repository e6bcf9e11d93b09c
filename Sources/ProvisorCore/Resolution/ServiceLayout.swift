/// The attributes every assignment of one service resolves, laid out once per service: slot
/// names in name order, where each field and property lives, and its naming patterns checked
/// and put in evaluation order.
final class ServiceLayout: Sendable {
    let service: Service
    /// Attribute names in name order; a resource's slots follow it.
    let names: [String]
    let engine: Int, instance: Int, plan: Int, serviceCode: Int, serviceName: Int
    let planName: Int, planSKU: Int, planCostPrice: Int, planSalesPrice: Int, planCurrency: Int
    let licenseSKU: Int, licenseTerm: Int, licenseBillingCycle: Int
    /// Slot of each property, in the service's definition order.
    let propertySlots: [Int]
    /// Definition index of each property by name.
    let definitions: [String: Int]
    /// Valid patterns by definition index, and the order to evaluate them in (a property's
    /// pattern after the patterns of the properties it reads).
    let patterns: [Int: NamingPattern]
    let patternOrder: [Int]

    /// Lays out `service` and reports problems with its naming patterns.
    init(_ service: Service, diagnostics: inout [Diagnostic]) {
        self.service = service
        let fixed = [
            "engine", "instance", "plan", "service", AttributeName.serviceName, AttributeName.planName, AttributeName.planSKU, AttributeName.planCostPrice,
            AttributeName.planSalesPrice, AttributeName.planCurrency, AttributeName.licenseSKU, AttributeName.licenseTerm, AttributeName.licenseBillingCycle,
        ]
        let propertyNames = service.properties.map { "properties.\($0.name.value)" }
        names = (fixed + propertyNames).sorted()
        var slotOf: [String: Int] = [:]
        for (slot, name) in names.enumerated() where slotOf[name] == nil { slotOf[name] = slot }
        engine = slotOf["engine"]!
        instance = slotOf["instance"]!
        plan = slotOf["plan"]!
        serviceCode = slotOf["service"]!
        serviceName = slotOf[AttributeName.serviceName]!
        planName = slotOf[AttributeName.planName]!
        planSKU = slotOf[AttributeName.planSKU]!
        planCostPrice = slotOf[AttributeName.planCostPrice]!
        planSalesPrice = slotOf[AttributeName.planSalesPrice]!
        planCurrency = slotOf[AttributeName.planCurrency]!
        licenseSKU = slotOf[AttributeName.licenseSKU]!
        licenseTerm = slotOf[AttributeName.licenseTerm]!
        licenseBillingCycle = slotOf[AttributeName.licenseBillingCycle]!
        propertySlots = propertyNames.map { slotOf[$0]! }
        var definitions: [String: Int] = [:]
        for (index, property) in service.properties.enumerated() where definitions[property.name.value] == nil {
            definitions[property.name.value] = index
        }
        self.definitions = definitions
        (patterns, patternOrder) = Self.checkPatterns(service, definitions: definitions, diagnostics: &diagnostics)
    }

    func propertySlot(_ name: String) -> Int? { definitions[name].map { propertySlots[$0] } }

    /// Parses every pattern, checks its placeholders against the service, and orders the
    /// valid ones so that each comes after those it reads; patterns in a cycle are reported
    /// and left out.
    private static func checkPatterns(
        _ service: Service, definitions: [String: Int],
        diagnostics: inout [Diagnostic]
    ) -> ([Int: NamingPattern], [Int]) {
        var patterns: [Int: NamingPattern] = [:]
        var invalid: Set<Int> = []
        let code = service.code.value
        for (index, property) in service.properties.enumerated() {
            guard let source = property.pattern else { continue }
            let name = property.name.value
            let pattern: NamingPattern
            do {
                pattern = try NamingPattern(parsing: source.value)
            } catch {
                diagnostics.append(.error(at: source.location, "naming pattern of property '\(name)' \(error.message)", hint: error.hint))
                invalid.insert(index)
                continue
            }
            var valid = true
            for placeholder in pattern.placeholders {
                switch placeholder {
                case .username where service.scope == .customer:
                    valid = false
                    diagnostics.append(
                        .error(
                            at: source.location,
                            "naming pattern of property '\(name)' uses {user.username}, but service \(code) is customer-scope and has no user",
                            hint: "use {customer.code}, {instance} or a property instead"))
                case .planCode where service.plans.isEmpty:
                    valid = false
                    diagnostics.append(
                        .error(
                            at: source.location, "naming pattern of property '\(name)' uses {plan.code}, but service \(code) has no plans",
                            hint: "remove {plan.code} or add plans to the service"))
                case .property(let other) where definitions[other] == nil:
                    valid = false
                    let suggestion = Suggestions.closest(to: other, in: service.properties.map(\.name.value))
                    diagnostics.append(
                        .error(
                            at: source.location, "naming pattern of property '\(name)' reads {properties.\(other)}, which service \(code) does not define",
                            hint: suggestion.map { "did you mean {properties.\($0)}?" } ?? "use a property the service defines"))
                default:
                    break
                }
            }
            if valid { patterns[index] = pattern } else { invalid.insert(index) }
        }

        // Depth-first ordering over pattern-to-pattern reads; a read of a property without a
        // pattern needs no ordering.
        enum Mark { case visiting, done }
        var marks: [Int: Mark] = [:]
        var order: [Int] = []
        var inCycle: Set<Int> = []
        func visit(_ index: Int, path: [Int]) {
            if marks[index] == .done { return }
            if marks[index] == .visiting {
                let cycle = Array(path[path.firstIndex(of: index)!...])
                if inCycle.isDisjoint(with: cycle) {
                    let first = cycle.min()!
                    let names = (cycle + [cycle[0]]).map { service.properties[$0].name.value }
                    diagnostics.append(
                        .error(
                            at: service.properties[first].pattern!.location,
                            "naming patterns of service \(code) form a cycle: \(names.joined(separator: " → "))",
                            hint: "a pattern cannot depend on itself; give one of these properties a default or an explicit value instead of a pattern"))
                }
                inCycle.formUnion(cycle)
                return
            }
            marks[index] = .visiting
            for other in patterns[index]!.properties {
                if let dependency = definitions[other], patterns[dependency] != nil { visit(dependency, path: path + [index]) }
            }
            marks[index] = .done
            order.append(index)
        }
        for index in patterns.keys.sorted() { visit(index, path: []) }
        // A pattern that reads one in a cycle or one already reported is left out silently.
        var unusable = inCycle.union(invalid)
        for index in order where patterns[index]!.properties.contains(where: { definitions[$0].map(unusable.contains) ?? false }) {
            unusable.insert(index)
        }
        return (patterns.filter { !unusable.contains($0.key) }, order.filter { !unusable.contains($0) })
    }
}
