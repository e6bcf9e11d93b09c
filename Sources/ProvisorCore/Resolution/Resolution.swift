/// Validated manifests turned into the desired state: every resource with its resolved
/// attributes, plus the problems only resolution can find (naming patterns, engines).
///
/// Resolution works on any estate, valid or not: what validation already reported (an unknown
/// service, a broken reseller chain) is left out rather than reported again.
public struct Resolution: Sendable {
    public let desired: DesiredState
    /// Resolution's own problems, sorted; validation's are not repeated.
    public let diagnostics: [Diagnostic]
    let resolver: Resolver

    public static func resolve(_ estate: Estate, index: EstateIndex) -> Resolution {
        var diagnostics: [Diagnostic] = []
        var layouts: [String: ServiceLayout] = [:]
        for service in index.services.values.sorted(by: { $0.code.value < $1.code.value }) {
            layouts[service.code.value] = ServiceLayout(service, diagnostics: &diagnostics)
        }
        let resolver = Resolver(estate: estate, index: index, layouts: layouts)

        var resources: [DesiredResource] = []
        for reseller in index.resellers.values.sorted(by: { $0.code.value < $1.code.value }) {
            // A chain that stops short of a root (unknown parent) is reported by validation.
            guard let scope = resolver.resellerScopes[reseller.code.value], scope.chain.last!.isRoot else { continue }
            if scope.engine != nil {
                resources.append(resolver.resource(.reseller(reseller.code.value), resolver.resellerTable(reseller, scope: scope, tracing: false)))
            } else {
                let code = reseller.code.value, root = scope.chain.last!.code.value
                diagnostics.append(
                    .error(
                        at: reseller.code.location,
                        "reseller \(code) has no engine: neither it nor any reseller above it names one",
                        hint: code == root
                            ? "set spec.engine on \(code); it serves every reseller that names none"
                            : "set spec.engine on \(code), or on \(root) for the whole hierarchy"))
            }
        }

        let customers = index.customers.values.sorted { $0.code.value < $1.code.value }
        let chunks = parallelChunks(customers.count, chunkSize: 256) { range in
            var output = Resolver.Output()
            for position in range { resolver.resolveCustomer(customers[position], into: &output) }
            return output
        }
        var failures = PatternFailures()
        for chunk in chunks { failures.merge(chunk.failures) }
        diagnostics += failures.diagnostics
        let desired = DesiredState(chunks: [resources] + chunks.map(\.resources))
        return Resolution(desired: desired, diagnostics: diagnostics.sorted(), resolver: resolver)
    }

    /// Every effective value of the resource at `address` with the level and file:line that
    /// supplied it and the values it replaced; nil when the estate has no such resource.
    public func explain(_ address: ResourceAddress) -> Explanation? {
        guard desired.resource(at: address) != nil else { return nil }
        return resolver.explain(address)
    }

    /// The explanation of a customer and of every resource below it, in the estate's order;
    /// empty when the estate has no such customer. One resolution, where `explain` for each
    /// address would repeat the customer's.
    public func explainCustomer(_ code: String) -> [Explanation] {
        guard desired.resource(at: .customer(code)) != nil else { return [] }
        return resolver.explainCustomer(code)
    }

    /// The existing addresses closest to `text`, for an unknown-address error: among the
    /// named customer's resources when that customer exists, else among resellers and customers.
    public func closestAddresses(to text: String, count: Int = 3) -> [String] {
        let parsed = ResourceAddress(parsing: text)
        let candidates: [DesiredResource]
        if let customer = parsed?.customer, desired.resource(at: .customer(customer)) != nil {
            candidates = desired.resources.filter { $0.address.customer == customer }
        } else {
            candidates = desired.resources.filter { $0.kind == .reseller || $0.kind == .customer }
        }
        return Suggestions.nearest(to: text, in: candidates.map(\.address.description), count: count)
    }
}
