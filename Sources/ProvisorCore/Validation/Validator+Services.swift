/// Checks of services, overrides, assignments and property values.
extension Validator {
    mutating func checkServiceDefinitions() {
        for service in estate.services where services[service.code.value]?.location == service.location {
            var seenPlans: Set<String> = []
            for plan in service.plans {
                if !seenPlans.insert(plan.code.value).inserted {
                    error(at: plan.code.location, "duplicate plan '\(plan.code.value)' in service \(service.code.value)")
                }
                checkSettings(plan.properties, of: service, at: "plan \(plan.code.value)")
            }
            for property in service.properties where property.capture && property.defaultValue != nil {
                error(
                    at: property.location, "captured property '\(property.name.value)' cannot have a default",
                    hint: "a captured value is given by each assignment; remove 'default' or 'capture'")
            }
        }
    }

    /// Checks property settings against the service: the property exists, the value fits its
    /// type, and it is not locked at the service level.
    mutating func checkSettings(_ settings: [PropertySetting], of service: Service, at level: @autoclosure () -> String) {
        for setting in settings {
            let name = setting.name.value
            guard let definition = service.property(name) else {
                unknown(
                    "property", setting.name, among: service.properties.map(\.name.value),
                    fix: "service \(service.code.value) defines \(service.properties.map(\.name.value).joined(separator: ", "))")
                continue
            }
            if case .failure(let problem) = setting.value.typed(as: definition.type, allowed: definition.values) {
                error(at: setting.value.location, "property '\(name)' of service \(service.code.value) \(problem.message)", hint: problem.hint)
            }
            if definition.locked {
                error(
                    at: setting.name.location,
                    "property '\(name)' is locked by service \(service.code.value) (\(definition.location.fileAndLine)) and cannot be set by \(level())",
                    hint: "remove this value, or remove 'locked: true' from the service")
            }
        }
    }

    /// Checks one level's overrides: services and plans exist, settings fit, locks name real
    /// properties, and nothing locked above (`inherited`) is overridden. Returns the locks in
    /// force below this level.
    mutating func checkOverrides(_ overrides: [ServiceOverride], level: @autoclosure () -> String, inherited: [Lock], userLevel: Bool = false) -> [Lock] {
        var locks = inherited
        var seen: Set<String> = []
        for override in overrides {
            guard seen.insert(override.service.value).inserted else { continue }
            guard let service = services[override.service.value] else {
                unknown("service", override.service, among: services.keys, fix: "define a Service with code '\(override.service.value)'")
                continue
            }
            if userLevel && service.scope == .customer {
                error(
                    at: override.service.location, "a user cannot override customer-scope service '\(service.code.value)'",
                    hint: "override it in the Customer's spec.overrides")
                continue
            }
            checkSettings(override.properties, of: service, at: level())
            checkLocks(inherited, service: service.code.value, plan: nil, settings: override.properties, level: level())
            for name in override.locked {
                checkLockName(name, service: service)
                locks.append(Lock(service: service.code.value, plan: nil, property: name.value, level: level(), location: name.location))
            }
            for planOverride in override.plans {
                guard service.plan(planOverride.plan.value) != nil else {
                    unknown(
                        "plan", planOverride.plan, among: service.plans.map(\.code.value),
                        fix: "service \(service.code.value) has plans \(service.plans.map(\.code.value).joined(separator: ", "))")
                    continue
                }
                checkSettings(planOverride.properties, of: service, at: level())
                checkLocks(inherited, service: service.code.value, plan: planOverride.plan.value, settings: planOverride.properties, level: level())
                for name in planOverride.locked {
                    checkLockName(name, service: service)
                    locks.append(
                        Lock(service: service.code.value, plan: planOverride.plan.value, property: name.value, level: level(), location: name.location))
                }
            }
        }
        return locks
    }

    mutating func checkLockName(_ name: Located<String>, service: Service) {
        if service.property(name.value) == nil {
            unknown("property", name, among: service.properties.map(\.name.value), fix: "lock a property service \(service.code.value) defines")
        }
    }

    /// Reports settings that override a property locked at a level above.
    mutating func checkLocks(_ locks: [Lock], service: String, plan: String?, settings: [PropertySetting], level: @autoclosure () -> String) {
        guard !locks.isEmpty else { return }
        for setting in settings {
            let lock = locks.first { lock in
                lock.service == service && lock.property == setting.name.value && (lock.plan == nil || lock.plan == plan)
            }
            if let lock {
                error(
                    at: setting.name.location,
                    "property '\(setting.name.value)' of service \(service) is locked by \(lock.level) (\(lock.location.fileAndLine)) and cannot be overridden by \(level())",
                    hint: "remove this value, or remove the lock at \(lock.level)")
            }
        }
    }

    /// Checks a customer's or a user's assignments: the service exists and fits the scope, the
    /// plan exists, instances are distinct, the service is allowed along the reseller chain,
    /// values fit and respect locks, and required values are supplied somewhere.
    mutating func checkAssignments(
        _ assignments: [Assignment], scope: Service.Scope, owner: @autoclosure () -> String,
        in customer: CustomerContext, locks: [Lock]
    ) {
        for (position, assignment) in assignments.enumerated() {
            let code = assignment.service.value
            guard let service = services[code] else {
                unknown("service", assignment.service, among: services.keys, fix: "define a Service with code '\(code)'")
                continue
            }
            if service.scope != scope {
                let fix = scope == .user ? "assign it in the Customer's spec.services" : "assign it to the customer's users in their User manifests"
                error(at: assignment.service.location, "service '\(code)' is \(service.scope.rawValue)-scope and cannot be assigned to \(owner())", hint: fix)
                continue
            }
            let plan: Plan?
            if let planCode = assignment.plan {
                plan = service.plan(planCode.value)
                if plan == nil {
                    unknown(
                        "plan", planCode, among: service.plans.map(\.code.value),
                        fix: "service \(code) has plans \(service.plans.map(\.code.value).joined(separator: ", "))")
                }
            } else {
                plan = nil
                if !service.plans.isEmpty {
                    error(
                        at: assignment.location, "assignment of service '\(code)' to \(owner()) names no plan",
                        hint: "add plan: one of \(service.plans.map(\.code.value).joined(separator: ", "))")
                }
            }
            if let instance = assignment.instance, !service.multiInstance {
                error(
                    at: instance.location, "service '\(code)' is not multi-instance, so its assignment cannot name an instance",
                    hint: "remove 'instance', or set multiInstance: true on the service")
            }
            if let first = assignments[..<position].first(where: { $0.service.value == code && $0.instanceName == assignment.instanceName }) {
                if service.multiInstance {
                    error(
                        at: (assignment.instance?.location ?? assignment.location),
                        "instance '\(assignment.instanceName)' of service '\(code)' is assigned twice to \(owner()) (first at \(first.location.fileAndLine))",
                        hint: "give each instance its own name with 'instance:'")
                } else {
                    error(
                        at: assignment.location, "service '\(code)' is assigned twice to \(owner()) (first at \(first.location.fileAndLine))",
                        hint: "remove one, or set multiInstance: true on the service and name each instance")
                }
            }
            if let allowed = customer.allowedServices, !allowed.contains(code),
                let restricting = customer.chain.first(where: { reseller in
                    reseller.allowedServices.map { allowed in !allowed.contains { $0.value == code } } ?? false
                })
            {
                error(
                    at: assignment.service.location,
                    "service '\(code)' is not allowed for \(owner()): reseller \(restricting.code.value) (\(restricting.location.fileAndLine)) allows only \(restricting.allowedServices!.map(\.value).joined(separator: ", "))",
                    hint: "add '\(code)' to \(restricting.code.value)'s spec.services, or remove this assignment")
            }
            checkSettings(assignment.properties, of: service, at: "the assignment")
            checkLocks(locks, service: code, plan: assignment.plan?.value, settings: assignment.properties, level: "the assignment")
            checkRequired(service: service, plan: plan, assignment: assignment, owner: owner(), overrides: customer.overrides)
        }
    }

    /// Required properties need a value from some level; captured ones from the assignment.
    /// `overrides` are the override lists of every level above the assignment.
    mutating func checkRequired(
        service: Service, plan: Plan?, assignment: Assignment, owner: @autoclosure () -> String,
        overrides overrideLists: [[ServiceOverride]]
    ) {
        for property in service.properties where property.required {
            let name = property.name.value
            if assignment.properties.contains(where: { $0.name.value == name }) { continue }
            if property.capture {
                error(
                    at: assignment.location, "service '\(service.code.value)' for \(owner()) needs the captured property '\(name)'",
                    hint: "add properties: { \(name): ... } to this assignment")
                continue
            }
            if property.defaultValue != nil || property.pattern != nil { continue }
            if plan?.properties.contains(where: { $0.name.value == name }) == true { continue }
            let supplied = overrideLists.contains { overrides in
                overrides.contains { override in
                    override.service.value == service.code.value
                        && (override.properties.contains { $0.name.value == name }
                            || override.plans.contains { $0.plan.value == plan?.code.value && $0.properties.contains { $0.name.value == name } })
                }
            }
            if !supplied {
                error(
                    at: assignment.location, "required property '\(name)' of service '\(service.code.value)' has no value for \(owner())",
                    hint: "set it in this assignment's properties, an override, the plan, or give it a default")
            }
        }
    }
}

/// A property locked at some level, in force for everything below it.
struct Lock {
    var service: String
    var plan: String?
    var property: String
    var level: String
    var location: SourceLocation
}
