import Foundation

/// Resolves resellers, customers, users and their service assignments into attribute tables.
///
/// A service assignment's values apply from the most general level to the most specific
/// (DESIGN.md "Effective value"): the service default, the plan, each reseller from the root
/// down to the nearest, the customer, the user (user-scope services), the assignment; at each
/// level the service-wide override first and the plan-specific one after it. A lock stops
/// every level below it. Engines and naming patterns come last, over the resolved values.
struct Resolver: Sendable {
    let estate: Estate
    let index: EstateIndex
    let layouts: [String: ServiceLayout]
    /// What every customer of a reseller shares, by reseller code.
    let resellerScopes: [String: ResellerScope]

    /// The CSP engines' Partner Center settings, by engine name.
    let csp: [String: Engine.CSPSettings]

    init(estate: Estate, index: EstateIndex, layouts: [String: ServiceLayout]) {
        self.estate = estate
        self.index = index
        self.layouts = layouts
        resellerScopes = index.chains.mapValues(ResellerScope.init)
        var csp: [String: Engine.CSPSettings] = [:]
        for engine in estate.engines { if let settings = engine.csp { csp[engine.name.value] = settings } }
        self.csp = csp
    }

    /// The market check of a service resource, from its resolved table.
    func marketCheck(_ table: AttributeTable, _ layout: ServiceLayout, in scope: CustomerScope) -> MarketCheck? {
        guard !csp.isEmpty, let engine = table.value(layout.engine)?.description else { return nil }
        return MarketCheck.check(
            engine: engine, usageLocation: layout.propertySlot("usageLocation").flatMap(table.value)?.description,
            addressCountry: scope.customer.address?.country, csp: csp)
    }

    /// A reseller's chain and what its customers inherit from it.
    struct ResellerScope: Sendable {
        /// The reseller and those above it, nearest first.
        let chain: [Reseller]
        /// The engine of its customers on the platform location; nil when no reseller names one.
        let engine: Explanation.Value?
        /// The services every reseller in the chain allows; nil when none restricts them.
        let allowed: Set<String>?
        /// Where the nearest restriction is written.
        let allowedOrigin: Origin?

        init(chain: [Reseller]) {
            self.chain = chain
            engine = chain.first { $0.engine != nil }.map { owner in
                Explanation.Value(value: .string(owner.engine!.value), origin: Origin(.reseller(owner.code.value), owner.engine!.location))
            }
            allowed = chain.allowedServices
            allowedOrigin = chain.first { $0.allowedServices != nil }.map { nearest in
                Origin(.reseller(nearest.code.value), nearest.allowedServices!.first?.location ?? nearest.location)
            }
        }
    }

    /// What a worker resolves from its customers.
    struct Output: Sendable {
        var resources: [DesiredResource] = []
        var failures = PatternFailures()
    }

    /// A customer with what every resource below it needs.
    struct CustomerScope {
        let customer: Customer
        /// The customer's resellers, nearest first.
        let chain: [Reseller]
        let engine: Explanation.Value
        /// The services every reseller in the chain allows; nil when none restricts them.
        let allowed: Set<String>?

        var code: String { customer.code.value }
    }

    /// One assignment that resolves to a resource (validation reports the ones that cannot).
    struct Usable {
        let assignment: Assignment
        let layout: ServiceLayout
        /// The plan's position in the service's plans; nil for a service without plans.
        let planIndex: Int?
        /// The instance name; always the default for a service that is not multi-instance.
        let instance: String

        var code: String { assignment.service.value }
        /// The plan's code; an assignment names a plan exactly when it resolves to one.
        var planCode: String? { assignment.plan?.value }
    }

    /// What the part of a service's resolution above the user depends on, within a customer.
    struct BaseKey: Hashable {
        let service: String
        let plan: String?
    }

    // MARK: Customers

    func scope(of customer: Customer) -> CustomerScope? {
        guard let reseller = resellerScopes[customer.reseller.value] else { return nil }
        let engine: Explanation.Value
        if customer.customerLocation.type != .platform, let named = customer.customerLocation.engine {
            engine = Explanation.Value(value: .string(named.value), origin: Origin(.customer(customer.code.value), named.location))
        } else if let inherited = reseller.engine {
            engine = inherited
        } else {
            return nil  // reported once for the reseller
        }
        return CustomerScope(customer: customer, chain: reseller.chain, engine: engine, allowed: reseller.allowed)
    }

    /// The customer's users (positions in `estate.users`) in username order, without later duplicates.
    func users(of customer: String) -> [Int] {
        (index.usersByCustomer[customer] ?? []).sorted { estate.users[$0].username.value < estate.users[$1].username.value }
    }

    func findUser(_ username: String, of customer: String) -> User? {
        index.usersByCustomer[customer]?.lazy.map { estate.users[$0] }.first { $0.username.value == username }
    }

    func resolveCustomer(_ customer: Customer, into output: inout Output) {
        guard let scope = scope(of: customer) else { return }
        let code = scope.code
        output.resources.append(resource(.customer(code), customerTable(scope, tracing: false)))
        var bases: [BaseKey: AttributeTable] = [:]
        for usable in usableAssignments(customer.services, scope: .customer, in: scope) {
            let address = ResourceAddress.service(usable.layout.service.code.value, instance: usable.instance, customer: code)
            let table = serviceTable(usable, in: scope, user: nil, address: address, bases: &bases, failures: &output.failures)
            output.resources.append(resource(address, table))
        }
        for position in users(of: code) {
            let user = estate.users[position]
            let username = user.username.value
            output.resources.append(resource(.user(username, customer: code), userTable(user, in: scope, tracing: false)))
            for usable in usableAssignments(user.services, scope: .user, in: scope) {
                let address = ResourceAddress.service(usable.layout.service.code.value, instance: usable.instance, customer: code, user: username)
                let table = serviceTable(usable, in: scope, user: user, address: address, bases: &bases, failures: &output.failures)
                output.resources.append(resource(address, table))
            }
        }
    }

    /// The assignments that name a known service of the right scope, an existing plan, a
    /// service the resellers allow, and a new instance; in service and instance order.
    func usableAssignments(_ assignments: [Assignment], scope serviceScope: Service.Scope, in scope: CustomerScope) -> [Usable] {
        var usable: [Usable] = []
        for assignment in assignments {
            let code = assignment.service.value
            guard let layout = layouts[code], layout.service.scope == serviceScope,
                scope.allowed?.contains(code) ?? true
            else { continue }
            let planIndex = assignment.plan.flatMap { code in layout.service.plans.firstIndex { $0.code.value == code.value } }
            guard (planIndex == nil) == (assignment.plan == nil), planIndex != nil || layout.service.plans.isEmpty else { continue }
            let instance = layout.service.multiInstance ? assignment.instanceName : Assignment.defaultInstance
            guard !usable.contains(where: { $0.code == code && $0.instance == instance }) else { continue }
            usable.append(Usable(assignment: assignment, layout: layout, planIndex: planIndex, instance: instance))
        }
        let inOrder: (Usable, Usable) -> Bool = { ($0.code, $0.instance) < ($1.code, $1.instance) }
        return zip(usable, usable.dropFirst()).allSatisfy { inOrder($0, $1) } ? usable : usable.sorted(by: inOrder)
    }

    /// A resource from its table: the engine is the table's `engine` attribute.
    func resource(_ address: ResourceAddress, _ table: AttributeTable) -> DesiredResource {
        let attributes = table.attributes
        let engine = attributes.first { $0.name == "engine" }.map { $0.value.description } ?? ""
        return DesiredResource(address: address, parent: parent(of: address), engine: engine, attributes: attributes)
    }

    func parent(of address: ResourceAddress) -> ResourceAddress? {
        switch address.kind {
        case .reseller: return index.resellers[address.owner]?.parent.map { .reseller($0.value) }
        case .customer: return index.customers[address.owner].map { .reseller($0.reseller.value) }
        case .customerService, .user, .subscription: return .customer(address.owner)
        case .userService: return .user(address.user!, customer: address.owner)
        }
    }

    // MARK: Resellers, customers, users

    func resellerTable(_ reseller: Reseller, scope: ResellerScope, tracing: Bool) -> AttributeTable {
        var table = AttributeTable(tracing: tracing)
        let level = Level.reseller(reseller.code.value)
        table.add("name", .string(reseller.name.value), Origin(level, reseller.name.location))
        if let parent = reseller.parent { table.add("parent", .string(parent.value), Origin(level, parent.location)) }
        table.addContact(reseller.contact, level)
        table.addAddress(reseller.address, level)
        if let engine = scope.engine { table.add("engine", engine.value, engine.origin) }
        if let allowed = scope.allowed, let origin = scope.allowedOrigin { table.add("services", .list(allowed.sorted()), origin) }
        table.sortByName()
        return table
    }

    func customerTable(_ scope: CustomerScope, tracing: Bool) -> AttributeTable {
        let customer = scope.customer
        var table = AttributeTable(tracing: tracing)
        let level = Level.customer(scope.code)
        table.add("name", .string(customer.name.value), Origin(level, customer.name.location))
        table.add("reseller", .string(customer.reseller.value), Origin(level, customer.reseller.location))
        table.addDefaulted("type", customer.typeSetting, default: customer.type, level) { .string($0.rawValue) }
        table.addDefaulted("status", customer.statusSetting, default: customer.status, level) { .string($0.rawValue) }
        table.addDefaulted("protect", customer.protectSetting, default: customer.protect, level, AttributeValue.boolean)
        table.addContact(customer.contact, level)
        table.addAddress(customer.address, level)
        if let domains = customer.domains {
            table.add(AttributeName.domainsPrimary, .string(domains.primary.value), Origin(level, domains.primary.location))
            if let first = domains.aliases.first {
                // Aliases, role members and permissions are sets: kept sorted, so reordering them
                // in a manifest changes nothing.
                table.add(AttributeName.domainsAliases, .list(domains.aliases.map(\.value).sorted()), Origin(level, first.location))
            }
        }
        let location = customer.customerLocation
        table.add("location.type", .string(location.type.rawValue), Origin(location.location == nil ? .builtIn : level, location.location))
        table.add("location.name", location.name.map(AttributeValue.string), Origin(level, location.location))
        if let settings = customer.settings {
            let at = Origin(level, settings.location)
            table.add(AttributeName.maxUsers, settings.maxUsers.map(AttributeValue.integer), at)
            if let policy = settings.passwordPolicy {
                let at = Origin(level, policy.location)
                table.add("settings.passwordPolicy.minLength", policy.minLength.map(AttributeValue.integer), at)
                table.add("settings.passwordPolicy.requireComplexity", policy.requireComplexity.map(AttributeValue.boolean), at)
                table.add("settings.passwordPolicy.maxAgeDays", policy.maxAgeDays.map(AttributeValue.integer), at)
                table.add("settings.passwordPolicy.requireMFA", policy.requireMFA.map(AttributeValue.boolean), at)
            }
        }
        if let branding = customer.branding {
            let at = Origin(level, branding.location)
            table.add("branding.displayName", branding.displayName.map(AttributeValue.string), at)
            table.add("branding.logoUrl", branding.logoUrl.map(AttributeValue.string), at)
            table.add("branding.primaryColor", branding.primaryColor.map(AttributeValue.string), at)
            table.add("branding.supportEmail", branding.supportEmail.map(AttributeValue.string), at)
            table.add("branding.supportPhone", branding.supportPhone.map(AttributeValue.string), at)
        }
        for role in customer.securityRoles {
            let prefix = "securityRoles.\(role.name.value)"
            let at = Origin(level, role.name.location)
            table.add("\(prefix).description", role.description.map(AttributeValue.string), at)
            table.add("\(prefix).members", .list(role.members.map(\.value).sorted()), at)
            table.add("\(prefix).permissions", .list(role.permissions.sorted()), at)
        }
        table.add("engine", scope.engine.value, scope.engine.origin)
        table.sortByName()
        return table
    }

    func userTable(_ user: User, in scope: CustomerScope, tracing: Bool) -> AttributeTable {
        var table = AttributeTable(tracing: tracing)
        let level = Level.user(user.username.value)
        // Added in name order, so that no sorting is needed for the 100,000s of users.
        table.addDefaulted("admin", user.adminSetting, default: user.admin, level, AttributeValue.boolean)
        table.addText("displayName", user.displayName, level)
        table.addText("email", user.email, level)
        table.add("engine", scope.engine.value, scope.engine.origin)
        table.addText("firstName", user.firstName, level)
        table.addText("lastName", user.lastName, level)
        if let password = user.password { table.add("password", .secret(reference: password.description), Origin(level, password.location)) }
        table.addDefaulted("status", user.statusSetting, default: user.status, level) { .string($0.rawValue) }
        table.add("upn", .string(user.upn.value), Origin(level, user.upn.location))
        table.add("username", .string(user.username.value), Origin(level, user.username.location))
        table.sortByName()
        return table
    }

    // MARK: Service assignments

    /// The resolved table of one assignment. Everything above the user is the same for every
    /// assignment of a service and plan within a customer, so it is made once per customer
    /// (`bases`, which holds traced or untraced tables, never both).
    func serviceTable(
        _ usable: Usable, in scope: CustomerScope, user: User?, address: ResourceAddress,
        tracing: Bool = false, bases: inout [BaseKey: AttributeTable], failures: inout PatternFailures
    ) -> AttributeTable {
        var table: AttributeTable
        let key = BaseKey(service: usable.code, plan: usable.planCode)
        if let base = bases[key] {
            table = base
        } else {
            table = baseTable(usable.layout, plan: usable.planIndex.map { usable.layout.service.plans[$0] }, in: scope, tracing: tracing)
            bases[key] = table
        }
        finish(&table, usable, in: scope, user: user, address: address, failures: &failures)
        return table
    }

    /// The service default, the plan, the resellers from the root down, and the customer.
    func baseTable(_ layout: ServiceLayout, plan: Plan?, in scope: CustomerScope, tracing: Bool) -> AttributeTable {
        let service = layout.service
        var table = AttributeTable(names: layout.names, tracing: tracing)
        table.set(layout.serviceCode, .string(service.code.value), Origin(.serviceDefault, service.code.location))
        table.set(layout.serviceName, .string(service.name.value), Origin(.serviceDefault, service.name.location))
        if let engine = service.engine { table.set(layout.engine, .string(engine.value), Origin(.serviceDefault, engine.location)) }
        for (position, property) in service.properties.enumerated() {
            let slot = layout.propertySlots[position]
            if let value = property.defaultValue, case .success(let typed) = value.typed(as: property.type, allowed: property.values) {
                table.set(slot, AttributeValue(typed), Origin(.serviceDefault, value.location))
            }
            if property.locked { table.lock(slot, by: Origin(.serviceDefault, property.location)) }
        }
        if let plan {
            let level = Level.plan(plan.code.value)
            table.set(layout.planName, .string(plan.name.value), Origin(level, plan.name.location))
            table.set(layout.planSKU, .string(plan.sku.value), Origin(level, plan.sku.location))
            table.setPrices(layout, cost: plan.costPrice, sales: plan.salesPrice, currency: plan.currency, level: level)
            if let license = plan.license {
                let origin = Origin(level, license.location)
                table.set(layout.licenseSKU, .string(license.sku), origin)
                table.set(layout.licenseTerm, .string(license.term.rawValue), origin)
                table.set(layout.licenseBillingCycle, .string(license.billingCycle.rawValue), origin)
            }
            table.apply(plan.properties, layout, level: level)
        }
        for reseller in scope.chain.reversed() {
            table.apply(reseller.overrides, layout, plan: plan?.code.value, level: .reseller(reseller.code.value))
        }
        table.apply(scope.customer.overrides, layout, plan: plan?.code.value, level: .customer(scope.code))
        return table
    }

    /// The user's overrides, the assignment, the engine when no level chose one, then the
    /// naming patterns of properties still without a value.
    func finish(
        _ table: inout AttributeTable, _ usable: Usable, in scope: CustomerScope, user: User?, address: ResourceAddress,
        failures: inout PatternFailures
    ) {
        let layout = usable.layout
        let assignment = usable.assignment
        if let user { table.apply(user.overrides, layout, plan: usable.planCode, level: .user(user.username.value)) }
        if let plan = assignment.plan { table.set(layout.plan, .string(plan.value), Origin(.assignment, plan.location)) }
        if let instance = assignment.instance, layout.service.multiInstance {
            table.set(layout.instance, .string(instance.value), Origin(.assignment, instance.location))
        } else {
            table.set(layout.instance, .string(Assignment.defaultInstance), Origin(.builtIn, nil))
        }
        table.apply(assignment.properties, layout, level: .assignment)
        if table.value(layout.engine) == nil { table.set(layout.engine, scope.engine.value, scope.engine.origin) }

        for position in layout.patternOrder {
            let slot = layout.propertySlots[position]
            guard table.value(slot) == nil, let pattern = layout.patterns[position] else { continue }
            let property = layout.service.properties[position]
            let source = property.pattern!
            let evaluated = pattern.evaluate { placeholder in
                switch placeholder {
                case .customerCode: return scope.code
                case .customerDomain: return scope.customer.domains?.primary.value
                case .username: return user?.username.value
                case .instance: return usable.instance
                case .serviceCode: return layout.service.code.value
                case .planCode: return usable.planCode
                case .property(let name): return layout.propertySlot(name).flatMap(table.value)?.description
                }
            }
            let subject = "naming pattern of property '\(property.name.value)' of service \(layout.service.code.value)"
            switch evaluated {
            case .failure(let missing):
                failures.add(
                    at: source.location, kind: "missing \(missing.placeholder)",
                    "\(subject) reads \(missing.placeholder), which has no value for \(address)",
                    hint: "give \(missing.placeholder) a value, or set '\(property.name.value)' explicitly")
            case .success(let text):
                let style: YAMLScalar.Style = property.type == .string || property.type == .enum ? .quoted : .plain
                let typed: Result<TypedValue, PropertyTypeError> =
                    property.type == .string
                    ? .success(.string(text))
                    : PropertyValue(YAMLScalar(text, style: style), at: source.location).typed(as: property.type, allowed: property.values)
                switch typed {
                case .success(let typed):
                    table.set(slot, AttributeValue(typed), Origin(.pattern, source.location))
                case .failure(let problem):
                    failures.add(
                        at: source.location, kind: "type", "\(subject) gives '\(text)' for \(address), but the property \(problem.message)",
                        hint: "change the pattern so that it gives a valid \(property.type.rawValue), or set '\(property.name.value)' explicitly")
                }
            }
        }
        // Last, when every value is known: the country the service is used in.
        if let check = marketCheck(table, layout, in: scope), !check.passes {
            let (message, hint) = check.refusal(service: layout.service.code.value, address: address)
            failures.add(at: assignment.service.location, kind: "market", message, hint: hint)
        }
    }

    // MARK: Explain

    /// The traced tables of a customer and everything below it, in the order resolution makes
    /// them: what `explain` gives for each, at the cost of one resolution of the customer.
    func explainCustomer(_ code: String) -> [Explanation] {
        guard let customer = index.customers[code], let scope = scope(of: customer) else { return [] }
        let table = customerTable(scope, tracing: true)
        var explanations = [Explanation(resource: resource(.customer(code), table), entries: table.entries)]
        var bases: [BaseKey: AttributeTable] = [:]
        var failures = PatternFailures()
        func explainServices(_ assignments: [Assignment], of user: User?) {
            for usable in usableAssignments(assignments, scope: user == nil ? .customer : .user, in: scope) {
                let address = ResourceAddress.service(
                    usable.layout.service.code.value, instance: usable.instance, customer: code, user: user?.username.value)
                let table = serviceTable(usable, in: scope, user: user, address: address, tracing: true, bases: &bases, failures: &failures)
                explanations.append(
                    Explanation(resource: resource(address, table), entries: table.entries, market: marketCheck(table, usable.layout, in: scope)))
            }
        }
        explainServices(customer.services, of: nil)
        for position in users(of: code) {
            let user = estate.users[position]
            let table = userTable(user, in: scope, tracing: true)
            explanations.append(Explanation(resource: resource(.user(user.username.value, customer: code), table), entries: table.entries))
            explainServices(user.services, of: user)
        }
        return explanations
    }

    /// The traced table of the resource at `address`; nil when there is none.
    func explain(_ address: ResourceAddress) -> Explanation? {
        let table: AttributeTable
        var market: MarketCheck?
        switch address.kind {
        case .reseller:
            guard let reseller = index.resellers[address.owner], let scope = resellerScopes[address.owner] else { return nil }
            table = resellerTable(reseller, scope: scope, tracing: true)
        case .customer:
            guard let scope = index.customers[address.owner].flatMap(scope(of:)) else { return nil }
            table = customerTable(scope, tracing: true)
        case .user:
            guard let scope = index.customers[address.owner].flatMap(scope(of:)),
                let user = findUser(address.user!, of: address.owner)
            else { return nil }
            table = userTable(user, in: scope, tracing: true)
        case .subscription:
            return nil
        case .customerService, .userService:
            guard let scope = index.customers[address.owner].flatMap(scope(of:)) else { return nil }
            let user = address.user.flatMap { findUser($0, of: address.owner) }
            if address.user != nil && user == nil { return nil }
            let assignments = user?.services ?? scope.customer.services
            guard
                let usable = usableAssignments(assignments, scope: user == nil ? .customer : .user, in: scope).first(where: {
                    $0.layout.service.code.value == address.service && $0.instance == address.instanceName
                })
            else { return nil }
            var bases: [BaseKey: AttributeTable] = [:]
            var failures = PatternFailures()
            table = serviceTable(usable, in: scope, user: user, address: address, tracing: true, bases: &bases, failures: &failures)
            market = marketCheck(table, usable.layout, in: scope)
        }
        return Explanation(resource: resource(address, table), entries: table.entries, market: market)
    }
}

extension AttributeTable {
    /// Applies one level's override of the layout's service: name and engine, then the
    /// service-wide properties, then the plan-specific override, then the level's locks.
    mutating func apply(_ overrides: [ServiceOverride], _ layout: ServiceLayout, plan: String?, level: Level) {
        guard let override = overrides.first(where: { $0.service.value == layout.service.code.value }) else { return }
        if let name = override.name { set(layout.serviceName, .string(name.value), Origin(level, name.location)) }
        if let engine = override.engine { set(layout.engine, .string(engine.value), Origin(level, engine.location)) }
        apply(override.properties, layout, level: level)
        var locks = override.locked
        if let plan, let planOverride = override.plans.first(where: { $0.plan.value == plan }) {
            if let name = planOverride.name { set(layout.planName, .string(name.value), Origin(level, name.location)) }
            if let sku = planOverride.sku { set(layout.planSKU, .string(sku.value), Origin(level, sku.location)) }
            setPrices(layout, cost: planOverride.costPrice, sales: planOverride.salesPrice, currency: planOverride.currency, level: level)
            apply(planOverride.properties, layout, level: level)
            locks += planOverride.locked
        }
        for name in locks {
            if let slot = layout.propertySlot(name.value) { lock(slot, by: Origin(level, name.location)) }
        }
    }

    /// Applies property values that name a property of the service and fit its type.
    mutating func apply(_ settings: [PropertySetting], _ layout: ServiceLayout, level: Level) {
        for setting in settings {
            guard let position = layout.definitions[setting.name.value] else { continue }
            let property = layout.service.properties[position]
            guard case .success(let typed) = setting.value.typed(as: property.type, allowed: property.values) else { continue }
            set(layout.propertySlots[position], AttributeValue(typed), Origin(level, setting.value.location))
        }
    }

    mutating func setPrices(_ layout: ServiceLayout, cost: Located<Decimal>?, sales: Located<Decimal>?, currency: Located<String>?, level: Level) {
        if let cost { set(layout.planCostPrice, .number(cost.value), Origin(level, cost.location)) }
        if let sales { set(layout.planSalesPrice, .number(sales.value), Origin(level, sales.location)) }
        if let currency { set(layout.planCurrency, .string(currency.value), Origin(level, currency.location)) }
    }

    /// Adds a located text value with its own position.
    mutating func addText(_ name: String, _ text: Located<String>?, _ level: Level) {
        if let text { add(name, .string(text.value), Origin(level, text.location)) }
    }

    /// Adds a field that has a default: from where it is written, else as Provisor's default.
    mutating func addDefaulted<T>(
        _ name: String, _ setting: Located<T>?, default value: T, _ level: Level,
        _ convert: (T) -> AttributeValue
    ) {
        add(name, convert(setting?.value ?? value), setting.map { Origin(level, $0.location) } ?? Origin(.builtIn, nil))
    }

    mutating func addContact(_ contact: Contact?, _ level: Level) {
        guard let contact else { return }
        let at = Origin(level, contact.location)
        add("contact.name", contact.name.map(AttributeValue.string), at)
        addText("contact.email", contact.email, level)
        add("contact.phone", contact.phone.map(AttributeValue.string), at)
    }

    mutating func addAddress(_ address: Address?, _ level: Level) {
        guard let address else { return }
        let at = Origin(level, address.location)
        add("address.street", address.street.map(AttributeValue.string), at)
        add("address.city", address.city.map(AttributeValue.string), at)
        add("address.postalCode", address.postalCode.map(AttributeValue.string), at)
        add("address.region", address.region.map(AttributeValue.string), at)
        add("address.country", address.country.map(AttributeValue.string), at)
    }
}
