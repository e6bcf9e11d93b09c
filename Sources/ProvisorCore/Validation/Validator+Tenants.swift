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
            customerLocks[code] = locks
            checkAssignments(customer.services, scope: .customer, owner: "customer \(code)", customer: customer, chain: chain, user: nil, locks: locks)

            for domain in customer.domains?.all ?? [] {
                let name = domain.value.lowercased()
                if let owner = domainOwners[name] {
                    let whose = owner.customer == code ? "already listed for \(code)" : "already belongs to customer \(owner.customer)"
                    error(at: domain.location, "domain '\(domain.value)' \(whose) (\(owner.location.fileAndLine))",
                          hint: "a domain can belong to one customer only, once")
                } else {
                    domainOwners[name] = (code, domain.location)
                }
            }

            let users = usersByCustomer[code] ?? []
            let usernames = users.map(\.username.value)
            for role in customer.securityRoles {
                for member in role.members where !usernames.contains(member.value) {
                    let suggestion = Suggestions.closest(to: member.value, in: usernames)
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

    mutating func checkUsers() {
        var upns: [String: SourceLocation] = [:]
        for user in estate.users {
            let owner = "user \(user.username.value) of customer \(user.customer.value)"
            let upn = user.upn.value.lowercased()
            if let first = upns[upn] {
                error(at: user.upn.location, "UPN '\(user.upn.value)' is already used by another user (\(first.fileAndLine))",
                      hint: "every user needs its own UPN")
            } else {
                upns[upn] = user.upn.location
            }
            guard let customer = customers[user.customer.value] else {
                unknown("customer", user.customer, among: customers.keys, fix: "define a Customer with code '\(user.customer.value)'")
                continue
            }
            let domain = String(upn[upn.index(after: upn.lastIndex(of: "@")!)...])
            if let domains = customer.domains {
                if !domains.all.contains(where: { $0.value.lowercased() == domain }) {
                    error(at: user.upn.location,
                          "UPN '\(user.upn.value)' uses domain '\(domain)', which is not one of customer \(customer.code.value)'s domains (\(domains.all.map(\.value).joined(separator: ", ")))",
                          hint: "use one of those domains, or add '\(domain)' to the customer's domains.aliases")
                }
            } else {
                error(at: user.upn.location, "customer \(customer.code.value) has no domains, so UPN '\(user.upn.value)' cannot be checked",
                      hint: "add spec.domains with a primary domain to customer \(customer.code.value)")
            }
            let inherited = customerLocks[customer.code.value] ?? []
            let locks = checkOverrides(user.overrides, level: "user \(user.username.value)", inherited: inherited, userLevel: true)
            checkAssignments(user.services, scope: .user, owner: owner, customer: customer,
                             chain: chain(ofReseller: customer.reseller.value) ?? [], user: user, locks: locks)
        }
    }
}

extension Reseller {
    func chainDepth(_ chains: [String: [Reseller]]) -> Int { chains[code.value]?.count ?? Int.max }
}
