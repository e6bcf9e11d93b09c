import Foundation

/// What the import knows while it drafts: the existing manifests and the recorded state.
struct ImportContext: Sendable {
    let existing: ManifestPipeline.Report
    let recorded: Set<ResourceAddress>
    let recordedCustomers: Set<String>
    let customers: [String: Customer]
    let users: [String: [User]]
    let services: [String: Service]
    let folder: String
    /// Every manifest path there is.
    let taken: Set<String>

    init(existing: ManifestPipeline.Report, recorded: StateSnapshot, folder: String) {
        self.existing = existing
        self.recorded = Set(recorded.resources.map(\.address))
        recordedCustomers = Set(recorded.resources.compactMap(\.address.customer))
        customers = Dictionary(existing.estate.customers.map { ($0.code.value, $0) }, uniquingKeysWith: { first, _ in first })
        users = Dictionary(grouping: existing.estate.users, by: \.customer.value)
        services = Dictionary(existing.estate.services.map { ($0.code.value, $0) }, uniquingKeysWith: { first, _ in first })
        self.folder = folder
        taken = Set(existing.estate.files)
    }

    func draft(_ code: String, observed all: [ObservedResource]) -> CustomerImport {
        // What is recorded is managed already: never rewritten, never adopted again.
        let observed = all.filter { !recorded.contains($0.address) }
        let described = customers[code]
        let status: ImportedCustomer.Status = recordedCustomers.contains(code) ? .managed : described != nil ? .described : .new
        // New files go in the folder of the customer's manifest, else in a new folder named after it.
        let home = described.map { ($0.location.file as NSString).deletingLastPathComponent } ?? (folder.isEmpty ? "" : folder + "/") + code.lowercased()
        var draft = CustomerImport(code: code, status: status, folder: home, taken: taken)
        if observed.isEmpty { return draft }
        let tenant = observed.first { $0.address.kind == .customer }
        if status == .new {
            guard let tenant else {
                let engines = Set(observed.map(\.engine)).sorted().joined(separator: ", ")
                draft.skip("its tenant (customer/\(code)) is not on \(engines); import it together with the engine that holds it (--engine)")
                return draft
            }
            draft.customer = newCustomer(tenant, users: observed.filter { $0.address.kind == .user }, notes: &draft.notes)
        } else if let tenant {
            if let described, let engine = existing.desired.resource(at: tenant.address)?.engine, engine != tenant.engine {
                draft.skip(
                    "customer \(code) is on engine \(tenant.engine), but \(described.location) routes it to \(engine); fix its location or reseller, then import again"
                )
                return draft
            }
            draft.candidates.append(tenant)
        }

        // Users: described ones are adopted; the rest are written (or reported, for a managed customer).
        var skippedUsers = Set<String>()
        for user in observed where user.address.kind == .user {
            switch match(user, customer: code) {
            case .described(let manifest, let byLocalPart):
                draft.candidates.append(user)
                if byLocalPart {
                    draft.notes.append(
                        ImportNote(
                            .matched, user.address,
                            "the engine's UPN \(user["upn"]?.description ?? "") matches \(manifest.upn.value) of user \(manifest.username.value) (\(manifest.location)) by the part before the @"
                        ))
                }
            case .conflict(let reason):
                skippedUsers.insert(user.address.user!)
                draft.notes.append(ImportNote(.conflict, user.address, reason + "; not imported"))
            case .new:
                if status == .managed {
                    skippedUsers.insert(user.address.user!)
                    draft.notes.append(
                        ImportNote(
                            .undescribed, user.address,
                            "customer \(code) is already managed, so no manifest is written for this user; describe it in a User manifest, then run import again to adopt it (provisor drift lists it as unmanaged)"
                        ))
                } else if let written = newUser(user, customer: draft.customer, described: described, notes: &draft.notes) {
                    draft.users.append(written)
                } else {
                    skippedUsers.insert(user.address.user!)
                }
            }
        }

        // Services: described ones are adopted; those of written owners are mapped to plans.
        for service in observed where service.address.kind == .customerService || service.address.kind == .userService {
            if let user = service.address.user, skippedUsers.contains(user) { continue }
            if existing.desired.resource(at: service.address) != nil {
                draft.candidates.append(service)
            } else if let user = service.address.user, let index = draft.users.firstIndex(where: { $0.username == user }) {
                if let assignment = assignment(for: service, notes: &draft.notes) { draft.users[index].services.append(assignment) }
            } else if service.address.user == nil, draft.customer != nil {
                if let assignment = assignment(for: service, notes: &draft.notes) { draft.customer!.services.append(assignment) }
            } else {
                let owner = service.address.user.map { "user \($0)" } ?? "customer \(code)"
                let manifest = service.address.user.flatMap { name in users[code]?.first { $0.username.value == name }?.location } ?? described?.location
                var ignored: [ImportNote] = []
                let line = assignment(for: service, notes: &ignored)?.line ?? "- { service: \(service.address.service!) }"
                draft.notes.append(
                    ImportNote(
                        .undescribed, service.address,
                        "not in the manifests of \(owner)\(manifest.map { " (\($0))" } ?? ""); add `\(line)` to its services, then run import again to adopt it"
                    ))
            }
        }
        draft.engines = Set(observed.map(\.engine)).sorted()
        draft.render()
        return draft
    }

    enum UserMatch {
        case described(User, byLocalPart: Bool)
        case conflict(String)
        case new
    }

    /// The User manifest an engine user is: by UPN, then by the part before the @.
    func match(_ user: ObservedResource, customer code: String) -> UserMatch {
        let username = user.address.user!
        let manifests = users[code] ?? []
        let sameName = manifests.first { $0.username.value == username }
        guard case .string(let upn)? = user["upn"] else {
            return sameName.map { .described($0, byLocalPart: false) } ?? .new
        }
        let local = upn.split(separator: "@").first.map { String($0).lowercased() } ?? upn.lowercased()
        var byLocalPart = false
        var found = manifests.filter { $0.upn.value.lowercased() == upn.lowercased() }
        if found.isEmpty {
            found = manifests.filter { $0.upn.value.split(separator: "@").first.map { String($0).lowercased() } == local }
            byLocalPart = true
        }
        if found.count > 1 {
            return .conflict(
                "its UPN \(upn) matches \(found.count) User manifests (\(found.map { "\($0.username.value) at \($0.location)" }.joined(separator: ", ")))")
        }
        if let manifest = found.first {
            guard manifest.username.value == username else {
                return .conflict(
                    "its UPN \(upn) matches user \(manifest.username.value) (\(manifest.location)), but the engine names it \(username); rename one so they agree (the username names the user in engines)"
                )
            }
            return .described(manifest, byLocalPart: byLocalPart)
        }
        if let sameName {
            return .conflict(
                "user \(username) in \(sameName.location) has UPN \(sameName.upn.value), but the engine's \(username) has \(upn): not the same user")
        }
        return .new
    }

    /// The Customer manifest for a tenant the manifests do not describe.
    func newCustomer(_ tenant: ObservedResource, users: [ObservedResource], notes: inout [ImportNote]) -> CustomerManifestDraft {
        let code = tenant.address.owner
        func guessed(_ name: String, _ value: AttributeValue, _ why: String) -> DraftValue {
            notes.append(ImportNote(.guessed, tenant.address, "\(name): \(value) (\(why))"))
            return DraftValue(name: name, value: value, comment: "guessed: \(why)")
        }
        let name: DraftValue
        if case .string(let text)? = tenant["name"], !text.isEmpty {
            name = DraftValue(name: "name", value: .string(text), comment: nil)
        } else {
            name = guessed("name", .string(code), "the engine reports no name")
        }
        var fields: [DraftValue] = []
        // The reseller: the engine's, else the one that provisions its customers on this engine.
        let resellers = existing.estate.resellers.map(\.code.value)
        let engineOf = { (reseller: String) in self.existing.desired.resource(at: .reseller(reseller))?["engine"]?.description }
        let reported = tenant["reseller"]?.description
        let reseller: String
        if let reported, resellers.contains(reported) {
            reseller = reported
            fields.append(DraftValue(name: "reseller", value: .string(reported), comment: nil))
        } else {
            let routing = resellers.filter { engineOf($0) == tenant.engine }.sorted()
            let root = existing.estate.resellers.first(where: \.isRoot)?.code.value ?? resellers.first ?? "ROOT"
            reseller = routing.contains(root) ? root : routing.first ?? root
            var why = reported.map { "the engine's reseller '\($0)' is not in the manifests" } ?? "the engine reports no reseller"
            let others = routing.filter { $0 != reseller }
            if !others.isEmpty { why += "; \(others.joined(separator: ", ")) also provision\(others.count == 1 ? "s" : "") on \(tenant.engine)" }
            fields.append(guessed("reseller", .string(reseller), why))
        }
        fields.append(choice("type", of: tenant, among: Customer.CustomerType.allCases.map(\.rawValue), default: "standard", notes: &notes))
        fields.append(choice("status", of: tenant, among: Customer.Status.allCases.map(\.rawValue), default: "active", notes: &notes))
        for name in Self.contactFields { if let value = tenant[name] { fields.append(DraftValue(name: name, value: value, comment: nil)) } }

        // Domains: the engine's, and every domain its users' UPNs use.
        var primary = tenant[AttributeName.domainsPrimary]?.description
        var aliases: [String] = []
        if case .list(let items)? = tenant[AttributeName.domainsAliases] { aliases = items }
        var domains: [String] = []
        var upnDomains: [String: Int] = [:]
        for user in users {
            if case .string(let upn)? = user["upn"], let at = upn.lastIndex(of: "@") { upnDomains[upn[upn.index(after: at)...].lowercased(), default: 0] += 1 }
        }
        if primary == nil, let common = upnDomains.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).first?.key {
            primary = common
            fields.append(guessed(AttributeName.domainsPrimary, .string(common), "the engine reports no domain; most users' UPNs use it"))
        } else if let primary {
            fields.append(DraftValue(name: AttributeName.domainsPrimary, value: .string(primary), comment: nil))
        }
        if let primary {
            let known = Set([primary.lowercased()] + aliases.map { $0.lowercased() })
            let added = upnDomains.keys.filter { !known.contains($0) }.sorted()
            domains = [primary] + aliases + added
            if !added.isEmpty {
                notes.append(
                    ImportNote(
                        .guessed, tenant.address,
                        "domains.aliases: added \(added.joined(separator: ", ")) (users' UPNs use \(added.count == 1 ? "it" : "them"))"))
            }
            if !aliases.isEmpty || !added.isEmpty {
                fields.append(
                    DraftValue(
                        name: AttributeName.domainsAliases, value: .list(aliases + added),
                        comment: added.isEmpty ? nil : "added \(added.joined(separator: ", ")): users' UPNs use \(added.count == 1 ? "it" : "them")"))
            }
        }
        // The location: the reseller's platform when it provisions on this engine, else a private one.
        fields.append(DraftValue(name: "location.type", value: .string(engineOf(reseller) == tenant.engine ? "platform" : "private"), comment: nil))
        if engineOf(reseller) != tenant.engine {
            fields.append(
                guessed(
                    "location.engine", .string(tenant.engine),
                    "reseller \(reseller) provisions on \(engineOf(reseller) ?? "no engine"), so the tenant is a private location"))
        }
        for name in Self.settingsFields { if let value = tenant[name] { fields.append(DraftValue(name: name, value: value, comment: nil)) } }
        if case .boolean(let protect)? = tenant["protect"] {
            fields.append(DraftValue(name: "protect", value: .boolean(protect), comment: nil))
        } else {
            fields.append(
                DraftValue(name: "protect", value: .boolean(true), comment: "set by import: an onboarded customer is never deleted until you decide so"))
        }
        return CustomerManifestDraft(code: code, observed: tenant, name: name, domains: domains, fields: fields, services: [])
    }

    static let contactFields = [
        "contact.name", "contact.email", "contact.phone",
        "address.street", "address.city", "address.postalCode", "address.region", "address.country",
    ]
    static let settingsFields = [
        AttributeName.maxUsers, "settings.passwordPolicy.minLength", "settings.passwordPolicy.requireComplexity",
        "settings.passwordPolicy.maxAgeDays", "settings.passwordPolicy.requireMFA",
        "branding.displayName", "branding.logoUrl", "branding.primaryColor", "branding.supportEmail", "branding.supportPhone",
    ]
    static let userFields = ["firstName", "lastName", "displayName", "email", "status", "admin"]

    /// An enumerated field: the engine's value when it is one Provisor knows, else the default.
    func choice(_ name: String, of tenant: ObservedResource, among values: [String], default fallback: String, notes: inout [ImportNote]) -> DraftValue {
        if case .string(let value)? = tenant[name], values.contains(value) { return DraftValue(name: name, value: .string(value), comment: nil) }
        let why = tenant[name].map { "the engine's \(name) '\($0)' is not one of \(values.joined(separator: ", "))" } ?? "the engine reports no \(name)"
        notes.append(ImportNote(.guessed, tenant.address, "\(name): \(fallback) (\(why))"))
        return DraftValue(name: name, value: .string(fallback), comment: "guessed: \(why)")
    }

    /// The User manifest for an engine user the manifests do not describe, or nil (with a
    /// note) when it cannot be written.
    func newUser(_ user: ObservedResource, customer drafted: CustomerManifestDraft?, described: Customer?, notes: inout [ImportNote]) -> UserManifestDraft? {
        let code = user.address.owner
        let domains = drafted?.domains ?? described?.domains?.all.map(\.value) ?? []
        var fields: [DraftValue] = []
        if case .string(let upn)? = user["upn"] {
            let domain = upn.split(separator: "@").last.map { String($0).lowercased() } ?? ""
            guard domains.contains(where: { $0.lowercased() == domain }) else {
                notes.append(
                    ImportNote(
                        .conflict, user.address,
                        "its UPN \(upn) is on \(domain), which is not one of customer \(code)'s domains\(described.map { " (\($0.location))" } ?? ""); add it to the aliases, then import again; not imported"
                    ))
                return nil
            }
            fields.append(DraftValue(name: "upn", value: .string(upn), comment: nil))
        } else if let primary = domains.first {
            let upn = "\(user.address.user!)@\(primary)"
            notes.append(ImportNote(.guessed, user.address, "upn: \(upn) (the engine reports no UPN)"))
            fields.append(DraftValue(name: "upn", value: .string(upn), comment: "guessed: the engine reports no UPN"))
        } else {
            notes.append(ImportNote(.conflict, user.address, "the engine reports no UPN and customer \(code) has no domain to make one from; not imported"))
            return nil
        }
        for name in Self.userFields { if let value = user[name] { fields.append(DraftValue(name: name, value: value, comment: nil)) } }
        return UserManifestDraft(username: user.address.user!, customer: code, observed: user, fields: fields, services: [])
    }

    /// The assignment for an engine's service, mapped to a plan of the service by SKU, then by
    /// name; nil (with a note) when it cannot be.
    func assignment(for observed: ObservedResource, notes: inout [ImportNote]) -> DraftAssignment? {
        let code = observed.address.service!
        let scope: Service.Scope = observed.address.kind == .userService ? .user : .customer
        guard let service = services[code], service.scope == scope else {
            notes.append(ImportNote(.unmapped, observed.address, "no \(scope.rawValue)-scope service '\(code)' in the manifests; not imported"))
            return nil
        }
        if observed.address.instance != nil, !service.multiInstance {
            notes.append(
                ImportNote(
                    .unmapped, observed.address,
                    "service \(code) is not multiInstance, but the engine holds instance '\(observed.address.instance!)'; not imported"))
            return nil
        }
        var comment: String?
        var plan: String?
        if !service.plans.isEmpty {
            switch PlanMatch.best(for: observed, among: service.plans, of: code) {
            case .found(let found, let how):
                plan = found.code.value
                comment = how
                if let how { notes.append(ImportNote(how.hasPrefix("guessed") ? .guessed : .matched, observed.address, "plan \(found.code.value): \(how)")) }
            case .none(let why):
                notes.append(ImportNote(.unmapped, observed.address, "\(why); not imported"))
                return nil
            }
        }
        var properties: [String: AttributeValue] = [:]
        for property in service.properties where property.capture {
            if let value = observed["properties." + property.name.value] {
                properties[property.name.value] = value
            } else if property.required {
                notes.append(
                    ImportNote(
                        .unmapped, observed.address,
                        "the engine does not report its captured property '\(property.name.value)', which service \(code) requires; not imported"))
                return nil
            }
        }
        return DraftAssignment(
            address: observed.address, plan: plan, properties: properties,
            comment: comment, observed: observed)
    }
}
