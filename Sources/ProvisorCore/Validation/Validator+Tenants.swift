/// Checks of resellers, customers and users.
extension Validator {
    mutating func checkResellers() {
        let ordered = resellers.values.sorted { ($0.chainDepth(chains), $0.location) < ($1.chainDepth(chains), $1.location) }
        for reseller in ordered {
            for allowed in reseller.allowedServices ?? [] where services[allowed.value] == nil {
                unknown("service", allowed, among: services.keys, fix: "define a Service with code '\(allowed.value)'")
            }
            let inherited = reseller.parent.flatMap { resellerLocks[$0.value] } ?? []
            resellerLocks[reseller.code.value] = checkOverrides(reseller.overrides, level: "reseller \(reseller.code.value)", inherited: inherited)
        }
    }

    /// Checks every customer: domains unique across the estate (one pass), then each
    /// customer's reseller, overrides, assignments, roles and user limit in parallel chunks.
    /// Leaves behind the context each customer's users are checked in.
    mutating func checkCustomers() {
        let indexed = estate.customers.indices.filter { customers[estate.customers[$0].code.value]?.location == estate.customers[$0].location }
        var domainOwners: [String: Int] = [:]
        for index in indexed {
            let customer = estate.customers[index]
            for domain in customer.domains?.all ?? [] {
                let name = domain.value.lowercased()
                if let owner = domainOwners[name] {
                    let first = estate.customers[owner]
                    let whose = owner == index ? "already listed for \(customer.code.value)" : "already belongs to customer \(first.code.value)"
                    let firstLocation = first.domains!.all.first { $0.value.lowercased() == name }!.location
                    error(
                        at: domain.location, "domain '\(domain.value)' \(whose) (\(firstLocation.fileAndLine))",
                        hint: "a domain can belong to one customer only, once")
                } else {
                    domainOwners[name] = index
                }
            }
        }
        let base = self
        let chunks = parallelChunks(indexed.count) { range in
            var worker = base
            worker.diagnostics = []
            let contexts = range.map { position in
                let customer = base.estate.customers[indexed[position]]
                return (customer.code.value, worker.checkCustomer(customer))
            }
            return (worker.diagnostics, contexts)
        }
        for (found, contexts) in chunks {
            diagnostics += found
            for (code, context) in contexts { customerContexts[code] = context }
        }
    }

    mutating func checkCustomer(_ customer: Customer) -> CustomerContext {
        let code = customer.code.value
        if resellers[customer.reseller.value] == nil {
            unknown("reseller", customer.reseller, among: resellers.keys, fix: "define a Reseller with code '\(customer.reseller.value)'")
        }
        let chain = chain(ofReseller: customer.reseller.value) ?? []
        let locks = checkOverrides(customer.overrides, level: "customer \(code)", inherited: resellerLocks[customer.reseller.value] ?? [])
        let overrides = chain.map(\.overrides) + [customer.overrides]
        let allowed = chain.allowedServices
        let context = CustomerContext(
            domains: Set((customer.domains?.all ?? []).map { $0.value.lowercased() }),
            domainList: customer.domains.map { $0.all.map(\.value) },
            chain: chain, allowedServices: allowed, overrides: overrides, locks: locks)
        checkAssignments(customer.services, scope: .customer, owner: "customer \(code)", in: context, locks: locks)

        let users = usersByCustomer[code] ?? []
        for role in customer.securityRoles {
            for member in role.members where !users.contains(where: { estate.users[$0].username.value == member.value }) {
                let suggestion = Suggestions.closest(to: member.value, in: users.map { estate.users[$0].username.value })
                error(
                    at: member.location, "security role '\(role.name.value)' names '\(member.value)', who is not a user of customer \(code)",
                    hint: suggestion.map { "did you mean '\($0)'?" } ?? "add a User with customer: \(code), or remove the member")
            }
        }
        if let limit = customer.settings?.maxUsers, users.count > limit {
            error(
                at: customer.code.location, "customer \(code) has \(users.count) users, more than its settings.maxUsers of \(limit)",
                hint: "raise maxUsers or remove users")
        }
        return context
    }

    /// Checks every user: UPNs unique across the estate (one pass), then each user's customer,
    /// domain, overrides and assignments, in parallel chunks that each collect their own
    /// diagnostics.
    mutating func checkUsers() {
        var upns: [String: Int] = [:]
        upns.reserveCapacity(estate.users.count)
        for (index, user) in estate.users.enumerated() {
            let upn = user.upn.value.asciiLowercased
            if let first = upns.updateValue(index, forKey: upn) {
                upns[upn] = first
                error(
                    at: user.upn.location, "UPN '\(user.upn.value)' is already used by another user (\(estate.users[first].upn.location.fileAndLine))",
                    hint: "every user needs its own UPN")
            }
        }
        let base = self
        let found = parallelChunks(estate.users.count) { range in
            var worker = base
            worker.diagnostics = []
            for index in range { worker.checkUser(base.estate.users[index]) }
            return worker.diagnostics
        }
        diagnostics += found.joined()
    }

    mutating func checkUser(_ user: User) {
        let code = user.customer.value
        guard let customer = customerContexts[code] else {
            if customers[code] == nil {
                unknown("customer", user.customer, among: customers.keys, fix: "define a Customer with code '\(code)'")
            }
            return
        }
        let upn = user.upn.value
        let domain = String(upn[upn.index(after: upn.lastIndex(of: "@")!)...]).asciiLowercased
        if let domainList = customer.domainList {
            if !customer.domains.contains(domain) {
                error(
                    at: user.upn.location,
                    "UPN '\(upn)' uses domain '\(domain)', which is not one of customer \(code)'s domains (\(domainList.joined(separator: ", ")))",
                    hint: "use one of those domains, or add '\(domain)' to the customer's domains.aliases")
            }
        } else {
            error(
                at: user.upn.location, "customer \(code) has no domains, so UPN '\(upn)' cannot be checked",
                hint: "add spec.domains with a primary domain to customer \(code)")
        }
        for override in user.overrides { if let engine = override.engine { checkEngine(engine) } }
        let locks = checkOverrides(user.overrides, level: "user \(user.username.value)", inherited: customer.locks, userLevel: true)
        var context = customer
        context.overrides.append(user.overrides)
        checkAssignments(user.services, scope: .user, owner: "user \(user.username.value) of customer \(code)", in: context, locks: locks)
    }
}

/// A customer's facts that checking its users needs.
struct CustomerContext {
    /// Lower-cased domain names.
    var domains: Set<String>
    /// The domains as written, for messages; nil when the customer declares none.
    var domainList: [String]?
    var chain: [Reseller]
    /// The services every reseller in the chain allows; nil when none restricts them.
    var allowedServices: Set<String>?
    /// The override lists of the customer's resellers, nearest first, then the customer's own.
    var overrides: [[ServiceOverride]]
    var locks: [Lock]
}

extension Reseller {
    func chainDepth(_ chains: [String: [Reseller]]) -> Int { chains[code.value]?.count ?? Int.max }
}

extension String {
    /// Lower-cased, without allocating when the string is already lower-case ASCII.
    var asciiLowercased: String {
        utf8.contains { ($0 >= 65 && $0 <= 90) || $0 >= 128 } ? lowercased() : self
    }
}
