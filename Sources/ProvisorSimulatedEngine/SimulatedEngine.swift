import Foundation
import ProvisorAMQP
import ProvisorEngineKit

/// The simulated provisioning engine: a stand-in for a real platform behind Provisor's exec
/// protocol (docs/engines.md, "The simulated engine"). It keeps a tenant model in a state
/// directory as an append-only log, `log.jsonl`, one ``LogEntry`` per line; a message id it
/// has applied before is answered again without acting twice. It refuses what a real engine
/// would (an unknown or duplicate customer or user, removing one that still has services, a
/// licence reduction Microsoft would refuse), and fails on demand (``Faults``).
///
/// One process works on a state directory at a time: opening it takes an exclusive lock on
/// `lock`, held until the process ends. It is built on the engine kit (`ProvisorEngineKit`), as
/// any engine can be.
public final class SimulatedEngine: AnsweredMessages {
    public let name: String
    /// The engine's clock for this run.
    public let clock: Date
    private let directory: String
    private var model = TenantModel()
    private let log: FileHandle
    private let faults: Faults
    private var appliedHere = 0

    /// Opens the state directory (created when missing) on the clock `now` (`--now`), else the
    /// one recorded in it (`--clock`), else the machine's.
    public init(directory: String, name: String, now: String?, environment: [String: String]) throws {
        self.directory = directory
        self.name = name
        try Self.lock(directory)
        clock = try Self.clock(now: now, recorded: directory + "/clock")
        let path = directory + "/log.jsonl"
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for line in data.split(separator: 0x0A) {
                if let entry = LogEntry(line: line) ?? (try? decoder.decode(LogEntry.self, from: Data(line))) { model.replay(entry) }
            }
        }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: path) else { throw SimulatedEngineError(description: "cannot write '\(path)'") }
        _ = try? log.seekToEnd()
        self.log = log
        faults = Faults(environment)
    }

    /// Creates and locks the state directory for this process.
    private static func lock(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SimulatedEngineError(description: "cannot create the state directory '\(directory)': \(error.localizedDescription)")
        }
        let descriptor = open(directory + "/lock", O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0, flock(descriptor, LOCK_EX) == 0 else { throw SimulatedEngineError(description: "cannot lock '\(directory)/lock'") }
    }

    /// `--clock DATE`: records the engine's clock in the state directory, so every later run
    /// keeps that calendar; `--clock system` removes it again.
    public static func recordClock(_ value: String, in directory: String) throws {
        try lock(directory)
        let path = directory + "/clock"
        if value == "system" {
            guard FileManager.default.fileExists(atPath: path) else { return }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw SimulatedEngineError(description: "cannot remove '\(path)': \(error.localizedDescription)")
            }
            return
        }
        guard let date = SimulatedDates.parse(value) else {
            throw SimulatedEngineError(description: "--clock '\(value)' is not a date like 2026-11-21 or 2026-11-21T09:00:00Z (or 'system')")
        }
        guard FileManager.default.createFile(atPath: path, contents: Data((SimulatedDates.text(date) + "\n").utf8)) else {
            throw SimulatedEngineError(description: "cannot write '\(path)'")
        }
    }

    /// The clock for this run: `now`, else the date recorded at `path`, else the machine's.
    private static func clock(now: String?, recorded path: String) throws -> Date {
        if let now {
            guard let date = SimulatedDates.parse(now) else {
                throw SimulatedEngineError(description: "--now '\(now)' is not a date like 2026-11-21 or 2026-11-21T09:00:00Z")
            }
            return date
        }
        guard let data = FileManager.default.contents(atPath: path) else { return Date() }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let date = SimulatedDates.parse(text) else {
            throw SimulatedEngineError(
                description:
                    "the clock recorded in '\(path)' ('\(text)') is not a date like 2026-11-21T09:00:00Z; record another with --clock DATE, or remove it with --clock system"
            )
        }
        return date
    }

    /// The tenant model as JSON (`--show`).
    public func show() -> String {
        JSONLine.encode(model.tenants(engine: name, at: clock))
    }

    // MARK: Serving the exec protocol

    /// Answers every line of standard input (one message or request each) on `output`, until
    /// the input ends, through the engine kit. Exits without answering when a crash is injected.
    public func serve(_ output: @escaping (String) -> Void) {
        let engine = kitEngine()
        while let line = readLine(strippingNewline: true) { engine.answer(line, output) }
    }

    /// Answers the messages of a RabbitMQ queue instead (`--amqp URL --queue NAME`).
    public func serve(amqp address: AMQPAddress, queue: String) {
        kitEngine().serve(amqp: address, queue: queue)
    }

    private func kitEngine() -> ExecEngine {
        let engine = ExecEngine(answered: self)
        for action in ["provision", "update", "deprovision", "adjust-subscription"] {
            engine.handle(action) { [unowned self] message in try apply(message) }
        }
        engine.observe { [unowned self] in
            try checkReadable()
            return model.resources.keys.sorted().map { address in
                let record = model.resources[address]
                return ObservedItem(
                    address: address, attributes: (record?.attributes ?? [:]).filter { $0.value != .string("(sensitive)") },
                    outputs: record?.outputs ?? [:])
            }
        }
        engine.subscriptions { [unowned self] in
            try checkReadable()
            return model.subscriptions.keys.sorted().map { model.subscriptions[$0]!.current(at: clock) }
        }
        return engine
    }

    private func checkReadable() throws {
        if faults.unreadable.contains(name) || faults.unreadable.contains("*") { throw EngineFailure.refuse("injected: the \(name) API cannot be read") }
    }

    /// Carries out one message as a real platform would, or says why not (logging either).
    private func apply(_ message: EngineMessage) throws -> [String: JSONValue] {
        let (id, action, address, kind) = (message.id, message.action, message.address, message.kind)
        if let delay = faults.delays[address] ?? faults.delays["*"], delay > 0 { usleep(useconds_t(delay) * 1000) }
        func refuse(_ text: String) -> EngineFailure {
            record(LogEntry(id: id, action: action, address: address, outcome: "rejected", error: text))
            return .refuse(text)
        }
        if faults.fail.contains(address) { throw refuse("injected failure for \(address)") }
        if let times = faults.flaky[address], model.retried[id, default: 0] < times {
            record(LogEntry(id: id, action: action, address: address, outcome: "retryable"))
            throw EngineFailure.retry("injected temporary failure for \(address)")
        }
        let json = message.json
        if action == "adjust-subscription" {
            switch adjust(json, address: address) {
            case .success(let subscription):
                record(LogEntry(id: id, action: action, address: address, kind: kind, outcome: "applied", outputs: [:], subscription: subscription))
                return [:]
            case .failure(let refusal):
                throw refuse(refusal.description)
            }
        }
        if let text = refusal(json, address: address, action: action, kind: kind) { throw refuse(text) }
        let outputs = action == "provision" ? identifiers(kind: kind, address: address, customer: message.customer) : [:]
        var entry = LogEntry(id: id, action: action, address: address, kind: kind, outcome: "applied", outputs: outputs)
        if action != "deprovision" {
            var kept = KeptRecord(message: json, address: address, kind: kind)
            kept.outputs = action == "provision" ? outputs : model.resources[address]?.outputs
            entry.record = kept
            if action == "provision" { entry.subscription = license(for: kept) }
        }
        record(entry)
        appliedHere += 1
        if let limit = faults.crashAfter, appliedHere >= limit {
            FileHandle.standardError.write(Data("provisor-simulated-engine: injected crash after \(appliedHere) message(s)\n".utf8))
            exit(70)
        }
        return outputs
    }

    /// A message applied before is answered again with its outputs (and logged as replayed).
    public func answered(_ message: EngineMessage) -> [String: JSONValue]? {
        guard let outputs = model.applied[message.id] else { return nil }
        record(LogEntry(id: message.id, action: message.action, address: message.address, outcome: "replayed"))
        return outputs
    }

    /// Nothing to do: `apply` logs what it applied, which is what the engine remembers.
    public func remember(_ id: String, outputs: [String: JSONValue]) {}

    /// Logs `entry` on the engine's clock and applies it to the model.
    private func record(_ entry: LogEntry) {
        var entry = entry
        entry.at = clock.timeIntervalSince1970
        entry.engine = name
        log.write(Data((JSONLine.encode(entry) + "\n").utf8))
        model.replay(entry)
    }

    /// Why a real engine would refuse this message, or nil.
    private func refusal(_ message: [String: JSONValue], address: String, action: String, kind: String) -> String? {
        let customer = message["customer"]
        let code = customer?["code"]?.string
        let exists = model.resources[address] != nil
        switch action {
        case "provision":
            if exists {
                switch kind {
                case "customer": return "customer \(code ?? "") already exists"
                case "user": return "user \(address.split(separator: "/").last ?? "") already exists in customer \(code ?? "")"
                default: return "\(address) already exists"
                }
            }
        case "update":
            if !exists { return "\(address) does not exist here; it cannot be updated" }
            if let missing = missingIdentifier(message, address: address) { return missing }
        default:
            if !exists { return "\(address) does not exist here; it cannot be removed" }
            if let missing = missingIdentifier(message, address: address) { return missing }
            let children = model.children(of: address)
            if !children.isEmpty { return "\(address) still has \(children.count) resource(s) here, \(children[0]) first; remove them before it" }
            return nil
        }
        // The customer (and user) must be known here when they live on this engine.
        if kind != "customer", kind != "reseller", let code, customer?["engine"]?.string == name, model.resources["customer/\(code)"] == nil {
            return "unknown customer \(code): provision the customer first"
        }
        if kind == "user-service", message["user"]?["engine"]?.string == name, let parent = message["parent"]?.string, model.resources[parent] == nil {
            return "unknown user \(parent): provision the user first"
        }
        return nil
    }

    /// The identifiers a provision answers with, as a real engine's would be: a tenant id for a
    /// customer, an object id for a user.
    private func identifiers(kind: String, address: String, customer: String?) -> [String: JSONValue] {
        switch kind {
        case "customer": return customer.map { ["tenantId": .string("sim-\(name)-\($0.lowercased())")] } ?? [:]
        case "user": return ["objectId": .string("sim-\(name)-" + address.split(separator: "/").dropFirst().joined(separator: "-").lowercased())]
        default: return [:]
        }
    }

    /// Why an update or deprovision cannot find what it names: it does not carry the outputs
    /// this engine answered when it made the resource. (States written before outputs were
    /// kept apart carry them among the attributes, which is accepted.)
    private func missingIdentifier(_ message: [String: JSONValue], address: String) -> String? {
        for (name, value) in (model.resources[address]?.outputs ?? [:]).sorted(by: { $0.key < $1.key }) {
            let sent = message["outputs"]?[name] ?? message["attributes"]?[name]
            guard sent != value else { continue }
            return "\(address) is \(name) \(value.string ?? "") here, and the message carries \(sent?.string.map { "'\($0)'" } ?? "no outputs.\(name)"): "
                + "send the outputs recorded when it was provisioned"
        }
        return nil
    }

    // MARK: Reading back

    // MARK: Licences

    /// The subscription a new assignment of `record` changes: one more licence bought when none
    /// is free, the subscription opened when the customer has none for the SKU; nil when a free
    /// licence is there.
    private func license(for record: KeptRecord) -> SimulatedSubscription? {
        guard let customer = record.customer, let sku = record.licence else { return nil }
        let term = record.attributes["plan.license.term"]?.string ?? "P1M"
        let held = model.subscriptions(of: customer, sku: sku, at: clock)
        guard model.licenseCount(customer, sku) + 1 > held.reduce(0, { $0 + $1.quantity }) else { return nil }
        var subscription =
            held.first { $0.term == term } ?? held.first
            ?? SimulatedSubscription(
                id: "sub-\(customer)-\(sku)-\(term)".lowercased(), customer: customer, sku: sku, term: term,
                billingCycle: record.attributes["plan.license.billingCycle"]?.string ?? "monthly",
                termEnd: SimulatedDates.text(SimulatedDates.adding(months: SimulatedSubscription.months(term), to: clock)))
        if subscription.costPrice == nil { subscription.costPrice = record.attributes["plan.costPrice"].flatMap(Self.number) }
        subscription.add(1, at: clock)
        return subscription
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        case .string(let text): return Double(text)
        default: return nil
        }
    }

    /// Applies an adjust-subscription message; returns the subscription after it, or why not.
    private func adjust(_ message: [String: JSONValue], address: String) -> Result<SimulatedSubscription, SimulatedEngineError> {
        func refused(_ text: String) -> Result<SimulatedSubscription, SimulatedEngineError> { .failure(SimulatedEngineError(description: text)) }
        let parts = address.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[2] == "subscription" else { return refused("'\(address)' is not a subscription address") }
        guard let stored = model.subscriptions[parts[3]] else { return refused("subscription \(parts[3]) does not exist here") }
        var subscription = stored.current(at: clock)
        guard let quantity = message["subscription"]?["quantity"]?.integer, quantity >= 1 else {
            return refused("an adjust-subscription message needs subscription.quantity of 1 or more")
        }
        let renewal = message["subscription"]?["renewalQuantity"]?.integer ?? quantity
        guard renewal >= 1 else { return refused("the renewal quantity must be 1 or more; cancelling a subscription is not an adjustment") }
        let had = subscription.quantity
        let customer = subscription.customer ?? "", sku = subscription.sku ?? ""
        let others = model.subscriptions(of: customer, sku: sku, at: clock).filter { $0.id != parts[3] }.reduce(0) { $0 + $1.quantity }
        let assigned = model.licenseCount(customer, sku)
        if quantity < had {
            guard others + quantity >= assigned else {
                return refused("cannot reduce \(parts[3]) to \(quantity): \(assigned) licence(s) of \(sku) are assigned")
            }
            let open = subscription.refundable(at: clock)
            guard had - quantity <= open else {
                return refused(
                    "cannot reduce \(parts[3]) from \(had) to \(quantity) on \(SimulatedDates.text(clock)): only \(open) licence(s) were bought in the last 7 days, and Microsoft allows a reduction only within 7 days of a purchase or renewal; schedule the quantity for the renewal instead"
                )
            }
            subscription.remove(had - quantity)
        } else if quantity > had {
            subscription.add(quantity - had, at: clock)
        }
        subscription.renewalQuantity = renewal == quantity ? nil : renewal
        return .success(subscription)
    }

    // MARK: Changes out of band

    /// A change made behind Provisor's back, as a technician would.
    public enum Change {
        /// Changes attributes of a resource the engine holds.
        case set(address: String, [String: JSONValue])
        /// Adds a resource the engine does not hold.
        case add(address: String, [String: JSONValue])
        /// Removes a resource and everything below it.
        case remove(address: String)
        /// Opens or changes a subscription.
        case subscription(id: String, [String: JSONValue])
    }

    /// Makes `change`, logged as out of band.
    public func make(_ change: Change) throws {
        let id = "out-of-band-" + UUID().uuidString.lowercased()
        func kind(_ address: String) throws -> String {
            guard let kind = KeptRecord.kind(of: address) else { throw SimulatedEngineError(description: "'\(address)' is not a resource address") }
            return kind
        }
        switch change {
        case .subscription(let subscription, let fields):
            try changeSubscription(subscription, fields, id: id)
        case .set(let address, let attributes):
            let kind = try kind(address)
            guard var kept = model.resources[address] else { throw SimulatedEngineError(description: "\(address) is not here; use --add") }
            kept.attributes.merge(attributes) { $1 }
            record(LogEntry(id: id, action: "update", address: address, kind: kind, outcome: "out-of-band", record: kept))
        case .add(let address, let attributes):
            let kind = try kind(address)
            guard model.resources[address] == nil else { throw SimulatedEngineError(description: "\(address) is already here; use --set") }
            var message: [String: JSONValue] = ["attributes": .object(attributes)]
            if kind != "reseller" { message["customer"] = .object(["code": .string(String(address.split(separator: "/")[1]))]) }
            var kept = KeptRecord(message: message, address: address, kind: kind)
            // Made by hand, it has the identifiers a provision would have answered with.
            kept.outputs = identifiers(kind: kind, address: address, customer: kept.customer)
            record(
                LogEntry(id: id, action: "provision", address: address, kind: kind, outcome: "out-of-band", record: kept, subscription: license(for: kept)))
        case .remove(let address):
            _ = try kind(address)
            guard model.resources[address] != nil else { throw SimulatedEngineError(description: "\(address) is not here") }
            for gone in model.children(of: address).reversed() + [address] {
                record(LogEntry(id: id, action: "deprovision", address: gone, outcome: "out-of-band"))
            }
        }
    }

    /// Opens or changes a subscription as an operator would in Partner Center; a larger
    /// quantity is a batch bought at `addedAt` (default: now).
    private func changeSubscription(_ subscriptionID: String, _ fields: [String: JSONValue], id: String) throws {
        func fail(_ text: String) -> SimulatedEngineError { SimulatedEngineError(description: text) }
        var subscription = model.subscriptions[subscriptionID]?.current(at: clock) ?? SimulatedSubscription(id: subscriptionID)
        var addedAt = clock
        if let value = fields["addedAt"] {
            guard let date = value.string.flatMap(SimulatedDates.parse) else { throw fail("addedAt must be a date like 2026-11-21") }
            addedAt = date
        }
        for (field, value) in fields.sorted(by: { $0.key < $1.key }) where field != "addedAt" && field != "quantity" {
            switch (field, value) {
            case ("customer", .string(let text)): subscription.customer = text
            case ("sku", .string(let text)): subscription.sku = text
            case ("term", .string(let text)): subscription.term = text
            case ("billingCycle", .string(let text)): subscription.billingCycle = text
            case ("termEnd", .string(let text)) where SimulatedDates.parse(text) != nil: subscription.termEnd = text
            case ("termEnd", _): throw fail("termEnd must be a date like 2026-12-31")
            case ("trial", .bool(let flag)): subscription.trial = flag
            case ("autoRenew", .bool(let flag)): subscription.autoRenew = flag
            case ("renewalQuantity", .integer(let count)): subscription.renewalQuantity = count
            case ("costPrice", _) where Self.number(value) != nil: subscription.costPrice = Self.number(value)
            case ("customer", _), ("sku", _), ("term", _), ("billingCycle", _), ("trial", _), ("autoRenew", _), ("renewalQuantity", _), ("costPrice", _):
                throw fail("the subscription field '\(field)' cannot be \(JSONLine.encode(value))")
            default:
                throw fail(
                    "a subscription has no field '\(field)'; set customer, sku, quantity, term, termEnd, trial, autoRenew, costPrice, renewalQuantity, billingCycle or addedAt"
                )
            }
        }
        if let quantity = fields["quantity"]?.integer {
            let had = subscription.quantity
            if quantity > had { subscription.add(quantity - had, at: addedAt) } else if quantity < had { subscription.remove(had - quantity) }
        }
        guard let customer = subscription.customer, subscription.sku != nil, let term = subscription.term, ["P1M", "P1Y", "P3Y"].contains(term) else {
            throw fail("a new subscription needs customer=CODE, sku=SKU and term=P1M|P1Y|P3Y")
        }
        if subscription.termEnd == nil {
            subscription.termEnd = SimulatedDates.text(SimulatedDates.adding(months: SimulatedSubscription.months(term), to: clock))
        }
        record(
            LogEntry(
                id: id, action: "adjust-subscription", address: "customer/\(customer)/subscription/\(subscriptionID)", kind: "subscription",
                outcome: "out-of-band", subscription: subscription))
    }
}
