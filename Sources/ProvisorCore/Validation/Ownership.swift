#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Delegation (`owners:` in provisor.yaml): a file whose path matches an owner's glob may only
/// define or change what lies in that reseller's subtree — the reseller itself, resellers
/// below it, their customers and those customers' users. Engines and services are the
/// provider's: no owned file may define them.
public struct Ownership: Sendable {
    public var owners: [RepositoryConfig.Owner]
    /// Turns a manifest path as diagnostics show it into the path from provisor.yaml's folder,
    /// which the globs are written against.
    public var relativePath: @Sendable (String) -> String

    public init(owners: [RepositoryConfig.Owner], relativePath: @escaping @Sendable (String) -> String) {
        self.owners = owners
        self.relativePath = relativePath
    }

    /// The owner of a manifest file: the first glob in provisor.yaml that matches it, or nil
    /// when the file is the provider's.
    public func owner(of file: String) -> RepositoryConfig.Owner? {
        let path = relativePath(file)
        return owners.first { Glob.matches($0.path, path) }
    }

    /// Every definition in an owned file that reaches outside its owner's subtree, and every
    /// owner that names a reseller no manifest defines.
    func check(_ estate: Estate, index: EstateIndex) -> [Diagnostic] {
        guard !owners.isEmpty else { return [] }
        var diagnostics: [Diagnostic] = []
        for owner in owners where index.resellers[owner.reseller] == nil {
            diagnostics.append(.error(at: owner.location, "owners gives '\(owner.path)' to reseller '\(owner.reseller)', which no manifest defines",
                                      hint: "use the code of an existing reseller"))
        }
        // A file whose owner is unknown is reported once, at the owner, not at each definition.
        var ownerOfFile: [Int32: RepositoryConfig.Owner?] = [:]
        func owner(_ location: SourceLocation) -> RepositoryConfig.Owner? {
            if let known = ownerOfFile[location.fileID] { return known }
            let found = self.owner(of: location.file).flatMap { index.resellers[$0.reseller] == nil ? nil : $0 }
            ownerOfFile[location.fileID] = found
            return found
        }
        func inSubtree(_ reseller: String, of owner: RepositoryConfig.Owner) -> Bool {
            index.chains[reseller]?.contains { $0.code.value == owner.reseller } ?? false
        }
        func outside(_ what: String, at location: SourceLocation, owner: RepositoryConfig.Owner, because reason: String) {
            diagnostics.append(.error(at: location, "\(what) is outside reseller \(owner.reseller)'s subtree: \(reason)",
                                      hint: "this file is \(owner.reseller)'s through owners \"\(owner.path)\" in provisor.yaml; move the definition to a file the provider or its own reseller owns"))
        }

        for engine in estate.engines {
            guard let owner = owner(engine.name.location) else { continue }
            outside("engine '\(engine.name.value)'", at: engine.name.location, owner: owner, because: "engines are defined by the provider")
        }
        for service in estate.services {
            guard let owner = owner(service.location) else { continue }
            outside("service '\(service.code.value)'", at: service.code.location, owner: owner, because: "services are the provider's catalogue; a reseller changes them with overrides in its own Reseller manifest")
        }
        for reseller in estate.resellers {
            guard let owner = owner(reseller.location), index.chains[reseller.code.value] != nil,
                  !inSubtree(reseller.code.value, of: owner) else { continue }
            let at = reseller.parent ?? reseller.code
            outside("reseller '\(reseller.code.value)'", at: at.location, owner: owner, because: "it is not \(owner.reseller) or a reseller below it")
        }
        for customer in estate.customers {
            guard let owner = owner(customer.location), index.chains[customer.reseller.value] != nil,
                  !inSubtree(customer.reseller.value, of: owner) else { continue }
            outside("customer '\(customer.code.value)'", at: customer.reseller.location, owner: owner,
                    because: "it belongs to reseller \(customer.reseller.value)")
        }
        for user in estate.users {
            guard let owner = owner(user.location), let customer = index.customers[user.customer.value],
                  index.chains[customer.reseller.value] != nil, !inSubtree(customer.reseller.value, of: owner) else { continue }
            outside("user '\(user.username.value)'", at: user.customer.location, owner: owner,
                    because: "its customer \(customer.code.value) belongs to reseller \(customer.reseller.value)")
        }
        return diagnostics
    }
}

/// Path globs as `owners:` writes them: `*` and `?` and `[...]` within one folder name, `**`
/// for any number of folders. A glob that matches a folder matches every file below it.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return match(patternParts[...], pathParts[...])
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return true }  // the pattern matched a folder above the file
        if first == "**" {
            let rest = pattern.dropFirst()
            return path.indices.contains { match(rest, path[$0...]) } || match(rest, path[path.endIndex...])
        }
        guard let name = path.first, fnmatch(first, name, FNM_PERIOD) == 0 else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }
}
