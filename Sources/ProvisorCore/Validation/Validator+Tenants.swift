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

    mutating func checkCustomers() {
        var domainOwners: [String: (customer: String, location: SourceLocation)] = [:]
        for customer in estate.customers where customers[customer.code.value]?.location == customer.location {
            let code = customer.code.value
            if resellers[customer.reseller.value] == nil {
                unknown("reseller", customer.reseller, among: resellers.keys, fix: "define a Reseller with code '\(customer.reseller.value)'")
            }
            let chain = chain(ofReseller: customer.reseller.value) ?? []
            let locks = checkOverrides(customer.overrides, level: "customer \(code)", inherited: resellerLocks[customer.reseller.value] ?? [])
            let overrides = chain.map(\.overrides) + [customer.overrides]
            checkAssignments(customer.services, scope: .customer, owner: "customer \(code)", overrides: overrides, chain: chain, locks: locks)

            let domains = customer.domains?.all ?? []
            for domain in domains {
                let name = domain.value.lowercased()
                if let owner = domainOwners[name] {
                    let whose = owner.customer == code ? "already listed for \(code)" : "already belongs to customer \(owner.customer)"
                    error(at: domain.location, "domain '\(domain.value)' \(whose) (\(owner.location.fileAndLine))",
                          hint: "a domain can belong to one customer only, once")
                } else {
                    domainOwners[name] = (code, domain.location)
                }
            }
            customerContexts[code] = CustomerContext(
                domains: Set(domains.map { $0.value.lowercased() }), domainList: customer.domains.map { _ in domains.map(\.value) },
                chain: chain, overrides: overrides, locks: locks)

            let users = usersByCustomer[code] ?? []
            for role in customer.securityRoles {
                for member in role.members where !users.contains(where: { estate.users[$0].username.value == member.value }) {
                    let suggestion = Suggestions.closest(to: member.value, in: users.map { estate.users[$0].username.value })
                    error(at: member.location, "security role '\(role.name.value)' names '\(member.value)', who is not a user of customer \(code)",
                          hint: suggestion.map { "did you mean '\($0)'?" } ?? "add a User with customer: \(code), or remove the member")
                }
            }
            if let limit = customer.settings?.maxUsers, users.count > limit {
                error(at: customer.code.location, "customer \(code) has \(users.count) users, more than its settings.maxUsers of \(limit)",
                      hint: "raise maxUsers or remove users")
            }
        }
    }

    /// Checks every user: UPNs unique across the estate (one pass), then each user's customer,
    /// domain, overrides and assignments, in parallel chunks that each collect their own
    /// diagnostics.
    mutating func checkUsers() {
        var upns: [String: SourceLocation] = [:]
        upns.reserveCapacity(estate.users.count)
        for user in estate.users {
            let upn = user.upn.value.lowercased()
            if let first = upns.updateValue(user.upn.location, forKey: upn) {
                upns[upn] = first
                error(at: user.upn.location, "UPN '\(user.upn.value)' is already used by another user (\(first.fileAndLine))",
                      hint: "every user needs its own UPN")
            }
        }
        let chunkSize = 2_048
        let base = self
        let found = parallelMap((estate.users.count + chunkSize - 1) / chunkSize) { chunk in
            var worker = base
            worker.diagnostics = []
            for index in (chunk * chunkSize)..<min(base.estate.users.count, (chunk + 1) * chunkSize) {
                worker.checkUser(base.estate.users[index])
            }
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
        let domain = upn[upn.index(after: upn.lastIndex(of: "@")!)...].lowercased()
        if let domainList = customer.domainList {
            if !customer.domains.contains(domain) {
                error(at: user.upn.location,
                      "UPN '\(upn)' uses domain '\(domain)', which is not one of customer \(code)'s domains (\(domainList.joined(separator: ", ")))",
                      hint: "use one of those domains, or add '\(domain)' to the customer's domains.aliases")
            }
        } else {
            error(at: user.upn.location, "customer \(code) has no domains, so UPN '\(upn)' cannot be checked",
                  hint: "add spec.domains with a primary domain to customer \(code)")
        }
        let locks = checkOverrides(user.overrides, level: "user \(user.username.value)", inherited: customer.locks, userLevel: true)
        checkAssignments(user.services, scope: .user, owner: "user \(user.username.value) of customer \(code)",
                         overrides: customer.overrides + [user.overrides], chain: customer.chain, locks: locks)
    }
}

/// A customer's facts that checking its users needs.
struct CustomerContext {
    /// Lower-cased domain names.
    var domains: Set<String>
    /// The domains as written, for messages; nil when the customer declares none.
    var domainList: [String]?
    var chain: [Reseller]
    /// The override lists of the customer's resellers, nearest first, then the customer's own.
    var overrides: [[ServiceOverride]]
    var locks: [Lock]
}

extension Reseller {
    func chainDepth(_ chains: [String: [Reseller]]) -> Int { chains[code.value]?.count ?? Int.max }
}
