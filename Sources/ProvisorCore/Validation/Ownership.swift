/// Delegation (`delegation:` in provisor.yaml): a file whose path matches a grant's glob is that
/// reseller's, and may only define or change what lies in its subtree — the reseller itself,
/// resellers below it, their customers and those customers' users — with only the engines and
/// secret references the grant allows, and without moving the reseller from the parent the
/// grant names. Engines and services are the provider's: no owned file may define them.
public struct Ownership: Sendable {
    public var grants: [Grant]
    /// Turns a manifest path as diagnostics show it into the path from provisor.yaml's folder,
    /// which the globs are written against.
    public var relativePath: @Sendable (String) -> String

    public init(grants: [Grant], relativePath: @escaping @Sendable (String) -> String) {
        self.grants = grants
        self.relativePath = relativePath
    }

    /// The grant that owns a manifest file, with the glob that matched (the first in
    /// provisor.yaml's order), or nil when the file is the provider's.
    public func owner(of file: String) -> (grant: Grant, path: Grant.Entry)? {
        let path = relativePath(file)
        for grant in grants {
            if let glob = grant.paths.first(where: { Glob.matches($0.value, path) }) { return (grant, glob) }
        }
        return nil
    }

    /// The grant covering a resource: that of the nearest reseller, from the resource's own
    /// (or its customer's) up to the root, that holds one; nil when the provider keeps it.
    public func grant(covering address: ResourceAddress, in estate: Estate) -> Grant? {
        let parents = Dictionary(estate.resellers.map { ($0.code.value, $0.parent?.value) }) { first, _ in first }
        var code = address.kind == .reseller ? address.owner : estate.customers.first { $0.code.value == address.owner }?.reseller.value
        var seen = Set<String>()
        while let current = code, seen.insert(current).inserted {
            if let grant = grants.first(where: { $0.reseller.value == current }) { return grant }
            code = parents[current] ?? nil
        }
        return nil
    }

    /// Every definition in an owned file that reaches outside its owner's grant, every grant
    /// that names a reseller no manifest defines, and every granted reseller whose parent is
    /// not the one its grant names.
    func check(_ estate: Estate, index: EstateIndex) -> [Diagnostic] {
        guard !grants.isEmpty else { return [] }
        var diagnostics: [Diagnostic] = []
        for grant in grants {
            guard let reseller = index.resellers[grant.reseller.value] else {
                diagnostics.append(
                    .error(
                        at: grant.reseller.location, "delegation grants paths to reseller '\(grant.reseller.value)', which no manifest defines",
                        hint: "use the code of an existing reseller"))
                continue
            }
            if let parent = grant.parent, index.resellers[parent.value] == nil {
                diagnostics.append(
                    .error(
                        at: parent.location, "delegation.\(grant.reseller.value).parent names reseller '\(parent.value)', which no manifest defines",
                        hint: "name the reseller \(grant.reseller.value) sits under"))
            } else if reseller.parent?.value != grant.parent?.value {
                let found = reseller.parent.map { "has parent '\($0.value)'" } ?? "has no parent"
                let wanted = grant.parent.map { "under \($0.value)" } ?? "at the root"
                diagnostics.append(
                    .error(
                        at: (reseller.parent ?? reseller.code).location,
                        "reseller '\(reseller.code.value)' \(found), but its grant places it \(wanted): a delegated reseller cannot move itself",
                        hint: "only the provider moves it, by changing parent in \(grant.source) and here together"))
            }
        }
        // A file's owner is looked up once; an owner whose reseller is unknown was reported above.
        var ownerOfFile: [Int32: (grant: Grant, path: Grant.Entry)?] = [:]
        func owner(_ location: SourceLocation) -> (grant: Grant, path: Grant.Entry)? {
            if let known = ownerOfFile[location.fileID] { return known }
            let found = self.owner(of: location.file).flatMap { index.resellers[$0.grant.reseller.value] == nil ? nil : $0 }
            ownerOfFile[location.fileID] = found
            return found
        }
        func inSubtree(_ reseller: String, of grant: Grant) -> Bool {
            index.chains[reseller]?.contains { $0.code.value == grant.reseller.value } ?? false
        }
        func through(_ owner: (grant: Grant, path: Grant.Entry)) -> String {
            "this file is \(owner.grant.reseller.value)'s through \(owner.grant.source), path \"\(owner.path.value)\""
        }
        func outside(_ what: String, at location: SourceLocation, owner: (grant: Grant, path: Grant.Entry), because reason: String) {
            diagnostics.append(
                .error(
                    at: location, "\(what) is outside reseller \(owner.grant.reseller.value)'s subtree: \(reason)",
                    hint: "\(through(owner)); move the definition to a file the provider or its own reseller owns"))
        }
        func engine(_ name: Located<String>?, _ what: String, owner: (grant: Grant, path: Grant.Entry)) {
            guard let name, !owner.grant.allows(engine: name.value) else { return }
            diagnostics.append(
                .error(
                    at: name.location, "\(what) routes to engine '\(name.value)', which reseller \(owner.grant.reseller.value)'s grant does not allow",
                    hint:
                        "\(owner.grant.source) allows the engines: \(Grant.listing(owner.grant.engines)); route to one of those, or ask the provider to grant it"
                ))
        }
        func overrides(_ overrides: [ServiceOverride], owner: (grant: Grant, path: Grant.Entry)) {
            for override in overrides { engine(override.engine, "the override of service '\(override.service.value)'", owner: owner) }
        }

        for engine in estate.engines {
            guard let owner = owner(engine.name.location) else { continue }
            outside("engine '\(engine.name.value)'", at: engine.name.location, owner: owner, because: "engines are defined by the provider")
        }
        for service in estate.services {
            guard let owner = owner(service.location) else { continue }
            outside(
                "service '\(service.code.value)'", at: service.code.location, owner: owner,
                because: "services are the provider's catalogue; a reseller changes them with overrides in its own Reseller manifest")
        }
        for reseller in estate.resellers {
            guard let owner = owner(reseller.location), index.chains[reseller.code.value] != nil else { continue }
            guard inSubtree(reseller.code.value, of: owner.grant) else {
                outside(
                    "reseller '\(reseller.code.value)'", at: (reseller.parent ?? reseller.code).location, owner: owner,
                    because: "it is not \(owner.grant.reseller.value) or a reseller below it")
                continue
            }
            engine(reseller.engine, "reseller '\(reseller.code.value)'", owner: owner)
            overrides(reseller.overrides, owner: owner)
        }
        for customer in estate.customers {
            guard let owner = owner(customer.location), index.chains[customer.reseller.value] != nil else { continue }
            guard inSubtree(customer.reseller.value, of: owner.grant) else {
                outside(
                    "customer '\(customer.code.value)'", at: customer.reseller.location, owner: owner,
                    because: "it belongs to reseller \(customer.reseller.value)")
                continue
            }
            engine(customer.customerLocation.engine, "customer '\(customer.code.value)'", owner: owner)
            overrides(customer.overrides, owner: owner)
        }
        for user in estate.users {
            guard let owner = owner(user.location), let customer = index.customers[user.customer.value],
                index.chains[customer.reseller.value] != nil
            else { continue }
            guard inSubtree(customer.reseller.value, of: owner.grant) else {
                outside(
                    "user '\(user.username.value)'", at: user.customer.location, owner: owner,
                    because: "its customer \(customer.code.value) belongs to reseller \(customer.reseller.value)")
                continue
            }
            overrides(user.overrides, owner: owner)
            if let password = user.password, !owner.grant.allows(password) {
                diagnostics.append(
                    .error(
                        at: password.location,
                        "user '\(user.username.value)' reads its password from '\(password)', a secret reference reseller \(owner.grant.reseller.value)'s grant does not allow",
                        hint:
                            "\(owner.grant.source) allows the secret references: \(Grant.listing(owner.grant.secrets)); use one of those, or ask the provider to grant it"
                    ))
            }
        }
        return diagnostics
    }
}
