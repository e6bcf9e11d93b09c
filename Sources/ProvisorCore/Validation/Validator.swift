/// Semantic checks over a decoded estate: uniqueness, references, the reseller hierarchy,
/// assignments, property values and locks, users. Collects every problem; never stops early.
public struct Validator: Sendable {
    let estate: Estate
    var diagnostics: [Diagnostic] = []

    var engines: [String: Engine] = [:]
    var services: [String: Service] = [:]
    var resellers: [String: Reseller] = [:]
    var customers: [String: Customer] = [:]
    /// Indices into `estate.users`, by customer code.
    var usersByCustomer: [String: [Int]] = [:]
    /// Reseller chains from the nearest reseller up to the root, for resellers in no cycle.
    var chains: [String: [Reseller]] = [:]
    /// Locks in force below each reseller and each customer.
    var resellerLocks: [String: [Lock]] = [:]
    /// What checking a customer's users needs, computed once per customer.
    var customerContexts: [String: CustomerContext] = [:]

    /// Validates `estate`: every semantic problem, sorted, and the objects by name as
    /// validation settled them, for resolution.
    public static func check(_ estate: Estate) -> (diagnostics: [Diagnostic], index: EstateIndex) {
        var validator = Validator(estate: estate)
        validator.run()
        let index = EstateIndex(
            services: validator.services, resellers: validator.resellers, customers: validator.customers,
            usersByCustomer: validator.usersByCustomer, chains: validator.chains)
        return (validator.diagnostics.sorted(), index)
    }

    init(estate: Estate) {
        self.estate = estate
    }

    mutating func run() {
        indexObjects()
        checkHierarchy()
        checkEngineReferences()
        checkServiceDefinitions()
        checkResellers()
        checkCustomers()
        checkUsers()
    }

    mutating func error(at location: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(.error(at: location, message, hint: hint))
    }

    /// Reports an unknown reference with the closest existing name as a suggestion.
    mutating func unknown(_ what: String, _ reference: Located<String>, among names: some Collection<String>, fix: String) {
        let suggestion = Suggestions.closest(to: reference.value, in: names.sorted())
        error(at: reference.location, "unknown \(what) '\(reference.value)'", hint: suggestion.map { "did you mean '\($0)'?" } ?? fix)
    }

    // MARK: Uniqueness

    mutating func indexObjects() {
        func index<T>(_ items: [T], kind: String, field: String, key: (T) -> Located<String>, into table: inout [String: T]) -> [Diagnostic] {
            var found: [Diagnostic] = []
            for item in items {
                let name = key(item)
                if let first = table[name.value] {
                    found.append(
                        .error(
                            at: name.location, "duplicate \(kind) \(field) '\(name.value)' (first defined at \(key(first).location.fileAndLine))",
                            hint: "each \(kind) needs its own \(field); rename or remove one"))
                } else {
                    table[name.value] = item
                }
            }
            return found
        }
        diagnostics += index(estate.engines, kind: "Engine", field: "name", key: \.name, into: &engines)
        // Two amqp engines on one broker and queue would take each other's messages and answers.
        var queues: [String: Engine] = [:]
        for engine in estate.engines {
            guard let amqp = engine.amqp else { continue }
            let queue = amqp.queue ?? engine.name.value
            let broker = amqp.url.replacing(/^amqps?:\/\//, with: "")
            guard let first = queues[broker + " " + queue] else {
                queues[broker + " " + queue] = engine
                continue
            }
            if first.name.value != engine.name.value {
                error(
                    at: engine.location,
                    "engines '\(first.name.value)' and '\(engine.name.value)' both use queue '\(queue)' on \(amqp.url) (the first at \(first.location.fileAndLine)): each would take the other's messages and answers",
                    hint: "give each engine its own amqp.queue")
            }
        }
        diagnostics += index(estate.services, kind: "Service", field: "code", key: \.code, into: &services)
        diagnostics += index(estate.resellers, kind: "Reseller", field: "code", key: \.code, into: &resellers)
        diagnostics += index(estate.customers, kind: "Customer", field: "code", key: \.code, into: &customers)

        var usernames: [String: [String: Int]] = [:]
        for (index, user) in estate.users.enumerated() {
            let customer = user.customer.value
            if let first = usernames[customer, default: [:]].updateValue(index, forKey: user.username.value) {
                usernames[customer]![user.username.value] = first
                error(
                    at: user.username.location,
                    "duplicate username '\(user.username.value)' in customer \(customer) (first defined at \(estate.users[first].username.location.fileAndLine))",
                    hint: "usernames must be unique within a customer; rename or remove one")
                continue
            }
            usersByCustomer[customer, default: []].append(index)
        }
    }

    // MARK: Hierarchy

    mutating func checkHierarchy() {
        // With several roots, the one most others hang from is taken for the provider and the
        // rest are reported; ties go to file order.
        var dependants: [String: Int] = [:]
        for reseller in estate.resellers { if let parent = reseller.parent { dependants[parent.value, default: 0] += 1 } }
        for customer in estate.customers { dependants[customer.reseller.value, default: 0] += 1 }
        let roots = estate.resellers.enumerated()
            .filter { $0.element.isRoot && resellers[$0.element.code.value]?.location == $0.element.location }
            .sorted { (-(dependants[$0.element.code.value] ?? 0), $0.offset) < (-(dependants[$1.element.code.value] ?? 0), $1.offset) }
            .map(\.element)
        if roots.count > 1 {
            let first = roots[0]
            for extra in roots.dropFirst() {
                error(
                    at: extra.code.location,
                    "more than one root reseller: '\(extra.code.value)' has no parent, and neither has '\(first.code.value)' (\(first.code.location.fileAndLine))",
                    hint: "only the provider has no 'parent'; give '\(extra.code.value)' a parent")
            }
        } else if roots.isEmpty, let anchor = estate.resellers.first?.code.location ?? estate.customers.first?.code.location {
            error(
                at: anchor, "no root reseller: every reseller has a parent",
                hint: "the provider is the one Reseller without 'parent'; remove 'parent' from it or add it")
        }

        for reseller in estate.resellers {
            guard let parent = reseller.parent else { continue }
            if resellers[parent.value] == nil {
                unknown("parent reseller", parent, among: resellers.keys, fix: "define a Reseller with code '\(parent.value)'")
            }
        }

        var reportedCycles = Set<String>()
        for reseller in resellers.values.sorted(by: { $0.code.location < $1.code.location }) {
            var chain: [Reseller] = []
            var seen: Set<String> = []
            var current: Reseller? = reseller
            var cycle: [String]?
            while let node = current {
                if !seen.insert(node.code.value).inserted {
                    let start = chain.firstIndex { $0.code.value == node.code.value }!
                    cycle = chain[start...].map(\.code.value) + [node.code.value]
                    break
                }
                chain.append(node)
                current = node.parent.flatMap { resellers[$0.value] }
            }
            guard let cycle else {
                chains[reseller.code.value] = chain
                continue
            }
            let members = Set(cycle)
            if members.contains(reseller.code.value), reportedCycles.isDisjoint(with: members) {
                reportedCycles.formUnion(members)
                error(
                    at: reseller.parent!.location, "reseller hierarchy has a cycle: \(cycle.joined(separator: " → "))",
                    hint: "each reseller's parents must lead up to the root reseller; change one of these parents")
            }
        }
    }

    /// The chain of resellers above a customer, nearest first, or nil when broken.
    func chain(ofReseller code: String) -> [Reseller]? { chains[code] }

    // MARK: Engines

    mutating func checkEngineReferences() {
        var references: [Located<String>] = []
        for reseller in estate.resellers {
            references += [reseller.engine].compactMap { $0 } + reseller.overrides.compactMap(\.engine)
        }
        for service in estate.services { references += [service.engine].compactMap { $0 } }
        for customer in estate.customers {
            references += [customer.customerLocation.engine].compactMap { $0 } + customer.overrides.compactMap(\.engine)
        }
        for reference in references { checkEngine(reference) }
    }

    /// Users' override engines are checked with the rest of each user, in parallel.
    mutating func checkEngine(_ reference: Located<String>) {
        if engines[reference.value] == nil {
            unknown("engine", reference, among: engines.keys, fix: "define an Engine named '\(reference.value)'")
        }
    }
}
