// The simulated provisioning engine: a stand-in for a real platform, speaking Provisor's exec
// protocol (one JSON message per line on stdin, one JSON result per line on stdout).
//
// It keeps a tenant model on disk (resellers; per customer: the tenant, domains, users,
// mailboxes, Microsoft 365 subscriptions with quantities and licence assignments, databases,
// websites) as an append-only log, `log.jsonl`, in its state directory. Every message it
// receives is logged with its outcome, so tests can prove what was applied, and how often.
// A message id it has applied before is answered again without acting twice.
//
// It refuses what a real engine would: an unknown customer or user, a duplicate customer or
// user, removing a customer or user that still has services.
//
// Microsoft 365 subscriptions: assigning a licensed user service (one with plan.license.sku)
// takes a free licence of the customer's subscription for that SKU, buying one more (a batch
// of 1, refundable for 7 days) when none is free; the first assignment opens the subscription
// (its term from plan.license.term, its cost from plan.costPrice). Removing an assignment frees
// the licence but never reduces the quantity: that is right-sizing's job. A subscription past
// its term end renews (with auto-renew) at its renewal quantity, as a new refundable batch.
// A `subscriptions` request ({"id", "action": "subscriptions"}) is answered like an observe
// request, with one {"id", "subscription"} line each. An `adjust-subscription` message sets a
// subscription's quantity and renewal quantity; like Microsoft it refuses a reduction of more
// licences than were bought in the last 7 days, and a quantity below the licences assigned.
//
// Failure injection, from the environment:
//   PROVISOR_SIMULATED_FAIL=ADDRESS[,ADDRESS]       refuse these addresses (a terminal failure)
//   PROVISOR_SIMULATED_FLAKY=ADDRESS=N[,...]        answer "retryable" the first N times
//   PROVISOR_SIMULATED_DELAY_MS=ADDRESS=MS[,...]    wait before answering (ADDRESS * for all)
//   PROVISOR_SIMULATED_CRASH_AFTER=N                apply the Nth message, then exit unanswered
//   PROVISOR_SIMULATED_UNREADABLE=ENGINE[,ENGINE]   refuse observe requests (* for every engine)
//
// Its clock (when licences are bought, when terms end and renew, what is still refundable, the
// time of each log entry) is `--now DATE` when given (Provisor passes it for `rightsize --at` in
// a rehearsal), else the date recorded in its state directory's `clock` file (`--clock DATE`
// records it, so every later run, Provisor's and out-of-band changes alike, keeps that
// calendar), else the machine's.
//
// An `observe` request ({"id", "action": "observe"}) is answered with one {"id", "resource"}
// line per resource it holds (address and attributes, never sensitive ones), then
// {"id", "status": "succeeded", "count": N}.
//
// Usage: provisor-simulated-engine [--state-dir DIR] [--engine NAME] [--now DATE] [--show | --clock DATE | CHANGE]
//   --show prints the tenant model as JSON and exits.
//   --clock DATE records the engine's clock in the state directory (2026-11-21 or
//                2026-11-21T09:00:00Z) and exits; --clock system removes it again.
//   A CHANGE is made out of band, as a technician would, and logged as such:
//     --set ADDRESS NAME=VALUE...   change attributes of a resource it holds
//     --add ADDRESS [NAME=VALUE...] add a resource it does not hold
//     --remove ADDRESS              remove a resource (and everything below it)
//     --subscription ID NAME=VALUE... open or change a subscription: customer, sku, quantity,
//                                   term, termEnd, trial, autoRenew, costPrice, renewalQuantity,
//                                   and addedAt (the date of licences added; default now)
//   VALUE is read as JSON when it is JSON (3, true, ["a"]), else as text.
import Foundation

var stateDirectory = ".provisor/simulated"
var engineName = "simulated"
var show = false
/// `--now`: the clock for this run only.
var nowOption: String?
/// `--clock`: the clock to record in the state directory (or "system" to remove it).
var recordClock: String?
/// An out-of-band change: what to do, to which address, with which attributes.
var outOfBand: (operation: String, address: String, assignments: [String])?
let usage =
    "usage: provisor-simulated-engine [--state-dir DIR] [--engine NAME] [--now DATE] [--show | --clock DATE | --set ADDRESS NAME=VALUE... | --add ADDRESS [NAME=VALUE...] | --remove ADDRESS | --subscription ID NAME=VALUE...]"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--state-dir": stateDirectory = arguments.next() ?? stateDirectory
    case "--engine": engineName = arguments.next() ?? engineName
    case "--show": show = true
    case "--now", "--clock":
        guard let value = arguments.next() else {
            FileHandle.standardError.write(Data("provisor-simulated-engine: \(argument) needs a date like 2026-11-21 or 2026-11-21T09:00:00Z\n".utf8))
            exit(64)
        }
        if argument == "--now" { nowOption = value } else { recordClock = value }
    case "--set", "--add", "--remove", "--subscription":
        guard let address = arguments.next() else {
            FileHandle.standardError.write(Data("provisor-simulated-engine: \(argument) needs \(argument == "--subscription" ? "an id" : "an address")\n".utf8))
            exit(64)
        }
        outOfBand = (String(argument.dropFirst(2)), address, [])
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        if outOfBand != nil, outOfBand!.operation != "remove", argument.contains("=") {
            outOfBand!.assignments.append(argument)
            continue
        }
        FileHandle.standardError.write(Data("provisor-simulated-engine: unknown argument '\(argument)'\n\(usage)\n".utf8))
        exit(64)
    }
}

func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("provisor-simulated-engine: \(text)\n".utf8))
    exit(1)
}

func json(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

/// Settings from `PROVISOR_SIMULATED_*`.
struct Faults {
    var fail: Set<String> = []
    var flaky: [String: Int] = [:]
    var delays: [String: Int] = [:]
    var crashAfter: Int?
    var unreadable: Set<String> = []

    init(_ environment: [String: String]) {
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func pairs(_ name: String) -> [String: Int] {
            var result: [String: Int] = [:]
            for item in list(name) {
                guard let equals = item.lastIndex(of: "="), let number = Int(item[item.index(after: equals)...]) else { continue }
                result[String(item[..<equals])] = number
            }
            return result
        }
        fail = Set(list("PROVISOR_SIMULATED_FAIL"))
        flaky = pairs("PROVISOR_SIMULATED_FLAKY")
        delays = pairs("PROVISOR_SIMULATED_DELAY_MS")
        crashAfter = environment["PROVISOR_SIMULATED_CRASH_AFTER"].flatMap { Int($0) }
        unreadable = Set(list("PROVISOR_SIMULATED_UNREADABLE"))
    }
}

/// The tenant model: every resource this engine holds, by address, rebuilt from the log.
struct Model {
    /// address → the record the engine keeps.
    var resources: [String: [String: Any]] = [:]
    /// Ids of messages applied, with the outputs they answered.
    var applied: [String: [String: Any]] = [:]
    /// Retryable answers given so far, by message id.
    var retried: [String: Int] = [:]
    /// Microsoft 365 subscriptions by id, as last written (see `current` for renewals).
    var subscriptions: [String: [String: Any]] = [:]
    /// Subscription ids, and the addresses holding a licence, by customer and SKU.
    private var subscriptionIDs: [String: Set<String>] = [:]
    private var holders: [String: Set<String>] = [:]

    private static func key(_ customer: String, _ sku: String) -> String { customer + "\u{0}" + sku }

    mutating func replay(_ entry: [String: Any]) {
        guard let id = entry["id"] as? String, let outcome = entry["outcome"] as? String else { return }
        if outcome == "retryable" { retried[id, default: 0] += 1 }
        guard outcome == "applied" || outcome == "out-of-band", let address = entry["address"] as? String,
            let action = entry["action"] as? String
        else { return }
        if outcome == "applied" { applied[id] = entry["outputs"] as? [String: Any] ?? [:] }
        if let subscription = entry["subscription"] as? [String: Any], let id = subscription["id"] as? String {
            subscriptions[id] = subscription
            if let customer = subscription["customer"] as? String, let sku = subscription["sku"] as? String {
                subscriptionIDs[Self.key(customer, sku), default: []].insert(id)
            }
        }
        guard action != "adjust-subscription" else { return }
        if let old = resources.removeValue(forKey: address), let customer = old["customer"] as? String, let sku = old["licence"] as? String {
            holders[Self.key(customer, sku)]?.remove(address)
        }
        if action != "deprovision", let record = entry["record"] as? [String: Any] {
            resources[address] = record
            if let customer = record["customer"] as? String, let sku = record["licence"] as? String {
                holders[Self.key(customer, sku), default: []].insert(address)
            }
        }
    }

    /// The users of `customer` holding a licence of `sku`.
    func licensed(_ customer: String, _ sku: String) -> [String] {
        (holders[Self.key(customer, sku)] ?? []).compactMap { resources[$0]?["user"] as? String }.sorted()
    }

    /// How many licences of `sku` `customer` has assigned.
    func licenceCount(_ customer: String, _ sku: String) -> Int { holders[Self.key(customer, sku)]?.count ?? 0 }

    /// The subscriptions of `customer` for `sku` as they stand `at`, by id.
    func subscriptions(of customer: String, sku: String, at date: Date) -> [[String: Any]] {
        (subscriptionIDs[Self.key(customer, sku)] ?? []).sorted().compactMap { id in subscriptions[id].map { current($0, at: date) } }
    }

    func children(of address: String) -> [String] {
        resources.keys.filter { $0.hasPrefix(address + "/") }.sorted()
    }

    /// The model grouped as an operator would see it.
    func tenants(engine: String, at clock: Date) -> [String: Any] {
        var resellers: [String: Any] = [:]
        var tenants: [String: [String: Any]] = [:]
        for (address, record) in resources.sorted(by: { $0.key < $1.key }) {
            let attributes = record["attributes"] as? [String: Any] ?? [:]
            guard let customer = record["customer"] as? String else {
                resellers[String(address.dropFirst("reseller/".count))] = attributes
                continue
            }
            var tenant =
                tenants[customer] ?? [
                    "users": [String: Any](), "mailboxes": [String: Any](), "databases": [String: Any](),
                    "websites": [String: Any](), "services": [String: Any](), "subscriptions": [String: Any](),
                ]
            let kind = record["kind"] as? String ?? ""
            let name = String(address.split(separator: "/").last ?? "")
            func add(_ group: String, _ key: String, _ value: Any) {
                var entries = tenant[group] as? [String: Any] ?? [:]
                entries[key] = value
                tenant[group] = entries
            }
            switch kind {
            case "customer":
                tenant["customer"] = attributes
                tenant["domains"] = [attributes["domains.primary"]].compactMap { $0 } + (attributes["domains.aliases"] as? [Any] ?? [])
            case "user":
                add("users", name, attributes)
            default:
                let service = attributes["service"] as? String ?? name
                if let mailbox = attributes["properties.mailbox"] ?? (service == "mailbox" ? attributes["properties.address"] : nil) {
                    add("mailboxes", address, mailbox)
                }
                if service.hasPrefix("sql") || attributes["properties.dbName"] != nil {
                    add("databases", address, attributes)
                } else if service.hasPrefix("web") {
                    add("websites", address, attributes)
                } else {
                    add("services", address, attributes)
                }
            }
            tenants[customer] = tenant
        }
        for subscription in subscriptions.values {
            let subscription = current(subscription, at: clock)
            guard let customer = subscription["customer"] as? String, let id = subscription["id"] as? String else { continue }
            var tenant = tenants[customer] ?? [:]
            var entries = tenant["subscriptions"] as? [String: Any] ?? [:]
            var shown = subscription
            shown["assigned"] = licensed(customer, subscription["sku"] as? String ?? "")
            entries[id] = shown
            tenant["subscriptions"] = entries
            tenants[customer] = tenant
        }
        return ["engine": engine, "resellers": resellers, "tenants": tenants]
    }
}

// MARK: Subscriptions

let instantStyle = Date.ISO8601FormatStyle()
let dayStyle = Date.ISO8601FormatStyle().year().month().day()

/// `2026-11-21T00:00:00Z` or `2026-11-21`.
func parseDate(_ text: String) -> Date? {
    (try? instantStyle.parse(text)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? dayStyle.parse(text))
}

func iso(_ date: Date) -> String { instantStyle.format(date) }

/// The engine's clock for this run: `--now`, else the date recorded in the state directory's
/// `clock` file, else the machine's. Read once, after the state directory is locked.
@MainActor
func readClock(recorded path: String) -> Date {
    if let text = nowOption {
        guard let date = parseDate(text) else { fail("--now '\(text)' is not a date like 2026-11-21 or 2026-11-21T09:00:00Z") }
        return date
    }
    guard let data = FileManager.default.contents(atPath: path) else { return Date() }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard let date = parseDate(text) else {
        fail(
            "the clock recorded in '\(path)' ('\(text)') is not a date like 2026-11-21T09:00:00Z; record another with --clock DATE, or remove it with --clock system"
        )
    }
    return date
}

let refundWindow: TimeInterval = 7 * 24 * 3600

func months(_ term: String?) -> Int { term == "P3Y" ? 36 : term == "P1Y" ? 12 : 1 }

func adding(months count: Int, to date: Date) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.date(byAdding: .month, value: count, to: date)!
}

func batch(_ quantity: Int, at date: Date) -> [String: Any] {
    ["quantity": quantity, "addedAt": iso(date), "refundableUntil": iso(date.addingTimeInterval(refundWindow))]
}

/// A subscription as it stands at `date`: past its term end (with auto-renew) it has renewed,
/// at its renewal quantity, and that quantity is a new batch refundable for 7 days.
func current(_ subscription: [String: Any], at date: Date) -> [String: Any] {
    guard subscription["autoRenew"] as? Bool ?? true, var end = parseDate(subscription["termEnd"] as? String ?? ""), date > end else { return subscription }
    var start = end
    while date > end {
        start = end
        end = adding(months: months(subscription["term"] as? String), to: end)
    }
    var renewed = subscription
    let quantity = subscription["renewalQuantity"] as? Int ?? subscription["quantity"] as? Int ?? 0
    renewed["quantity"] = quantity
    renewed["renewalQuantity"] = nil
    renewed["termEnd"] = iso(end)
    renewed["batches"] = [batch(quantity, at: start)]
    return renewed
}

/// Adds `count` licences bought at `date` to `subscription`'s batches (one batch a day).
func adding(_ count: Int, to subscription: inout [String: Any], at date: Date) {
    var batches = subscription["batches"] as? [[String: Any]] ?? []
    if var last = batches.last, last["addedAt"] as? String == iso(date) {
        last["quantity"] = (last["quantity"] as? Int ?? 0) + count
        batches[batches.count - 1] = last
    } else {
        batches.append(batch(count, at: date))
    }
    subscription["batches"] = batches
    subscription["quantity"] = (subscription["quantity"] as? Int ?? 0) + count
}

/// Takes `count` licences back from `subscription`, newest batches first.
func removing(_ count: Int, from subscription: inout [String: Any]) {
    var batches = subscription["batches"] as? [[String: Any]] ?? []
    var left = count
    while left > 0, var last = batches.popLast() {
        let size = last["quantity"] as? Int ?? 0
        if size > left {
            last["quantity"] = size - left
            batches.append(last)
        }
        left -= min(size, left)
    }
    subscription["batches"] = batches
    subscription["quantity"] = (subscription["quantity"] as? Int ?? 0) - count
}

/// Licences that may still be taken back at `date`.
func refundable(_ subscription: [String: Any], at date: Date) -> Int {
    let batches = subscription["batches"] as? [[String: Any]] ?? []
    let open = batches.filter { parseDate($0["refundableUntil"] as? String ?? "").map { date <= $0 } ?? false }
    return min(subscription["quantity"] as? Int ?? 0, open.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) })
}

/// The subscription a new assignment of `record` needs changed: one more licence bought when
/// none is free, the subscription opened when the customer has none for the SKU; nil when a
/// free licence is there.
@MainActor
func licence(for record: [String: Any]) -> [String: Any]? {
    guard let customer = record["customer"] as? String, let sku = record["licence"] as? String else { return nil }
    let attributes = record["attributes"] as? [String: Any] ?? [:]
    let term = attributes["plan.license.term"] as? String ?? "P1M"
    let held = model.subscriptions(of: customer, sku: sku, at: clock)
    let total = held.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) }
    guard model.licenceCount(customer, sku) + 1 > total else { return nil }
    var subscription =
        held.first { $0["term"] as? String == term } ?? held.first ?? [
            "id": "sub-\(customer)-\(sku)-\(term)".lowercased(), "customer": customer, "sku": sku, "term": term,
            "billingCycle": attributes["plan.license.billingCycle"] as? String ?? "monthly", "termEnd": iso(adding(months: months(term), to: clock)),
            "autoRenew": true, "trial": false, "quantity": 0, "batches": [[String: Any]](),
        ]
    if subscription["costPrice"] == nil, let cost = attributes["plan.costPrice"] { subscription["costPrice"] = cost }
    adding(1, to: &subscription, at: clock)
    return subscription
}

/// Applies an adjust-subscription message; returns the subscription after it, or why not.
@MainActor
func adjust(_ message: [String: Any], address: String) -> Result<[String: Any], Refusal> {
    let parts = address.split(separator: "/").map(String.init)
    guard parts.count == 4, parts[2] == "subscription" else { return .failure(Refusal("'\(address)' is not a subscription address")) }
    guard let stored = model.subscriptions[parts[3]] else { return .failure(Refusal("subscription \(parts[3]) does not exist here")) }
    var subscription = current(stored, at: clock)
    let block = message["subscription"] as? [String: Any] ?? [:]
    guard let quantity = block["quantity"] as? Int, quantity >= 1 else {
        return .failure(Refusal("an adjust-subscription message needs subscription.quantity of 1 or more"))
    }
    let renewal = block["renewalQuantity"] as? Int ?? quantity
    guard renewal >= 1 else { return .failure(Refusal("the renewal quantity must be 1 or more; cancelling a subscription is not an adjustment")) }
    let had = subscription["quantity"] as? Int ?? 0
    let customer = subscription["customer"] as? String ?? "", sku = subscription["sku"] as? String ?? ""
    let others = model.subscriptions(of: customer, sku: sku, at: clock).filter { $0["id"] as? String != parts[3] }
        .reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) }
    let assigned = model.licenceCount(customer, sku)
    if quantity < had {
        guard others + quantity >= assigned else {
            return .failure(Refusal("cannot reduce \(parts[3]) to \(quantity): \(assigned) licence(s) of \(sku) are assigned"))
        }
        let open = refundable(subscription, at: clock)
        guard had - quantity <= open else {
            return .failure(
                Refusal(
                    "cannot reduce \(parts[3]) from \(had) to \(quantity) on \(iso(clock)): only \(open) licence(s) were bought in the last 7 days, and Microsoft allows a reduction only within 7 days of a purchase or renewal; schedule the quantity for the renewal instead"
                ))
        }
        removing(had - quantity, from: &subscription)
    } else if quantity > had {
        adding(quantity - had, to: &subscription, at: clock)
    }
    subscription["renewalQuantity"] = renewal == quantity ? nil : renewal
    return .success(subscription)
}

struct Refusal: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

// MARK: State directory

do {
    try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
} catch {
    fail("cannot create the state directory '\(stateDirectory)': \(error.localizedDescription)")
}
// One engine process per state directory at a time: the next one waits for the lock.
let lockDescriptor = open(stateDirectory + "/lock", O_CREAT | O_RDWR, 0o644)
guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX) == 0 else { fail("cannot lock '\(stateDirectory)/lock'") }

let clockPath = stateDirectory + "/clock"
if let recordClock {
    if recordClock == "system" {
        if FileManager.default.fileExists(atPath: clockPath) {
            do { try FileManager.default.removeItem(atPath: clockPath) } catch { fail("cannot remove '\(clockPath)': \(error.localizedDescription)") }
        }
        exit(0)
    }
    guard let date = parseDate(recordClock) else { fail("--clock '\(recordClock)' is not a date like 2026-11-21 or 2026-11-21T09:00:00Z (or 'system')") }
    guard FileManager.default.createFile(atPath: clockPath, contents: Data((iso(date) + "\n").utf8)) else { fail("cannot write '\(clockPath)'") }
    exit(0)
}
let clock = readClock(recorded: clockPath)

let logPath = stateDirectory + "/log.jsonl"
var model = Model()
if let data = FileManager.default.contents(atPath: logPath) {
    for line in data.split(separator: 0x0A) {
        if let entry = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] { model.replay(entry) }
    }
}
if show {
    print(json(model.tenants(engine: engineName, at: clock)))
    exit(0)
}
if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
guard let log = FileHandle(forWritingAtPath: logPath) else { fail("cannot write '\(logPath)'") }
_ = try? log.seekToEnd()

if let change = outOfBand {
    changeOutOfBand(change.operation, address: change.address, assignments: change.assignments)
    exit(0)
}

let faults = Faults(ProcessInfo.processInfo.environment)
var appliedHere = 0

@MainActor
func record(_ entry: [String: Any]) {
    var entry = entry
    entry["at"] = clock.timeIntervalSince1970
    entry["engine"] = engineName
    log.write(Data((json(entry) + "\n").utf8))
    model.replay(entry)
}

@MainActor
func answer(_ id: String, _ status: String, error: String? = nil, outputs: [String: Any]? = nil, count: Int? = nil) {
    var reply: [String: Any] = ["id": id, "status": status]
    if let count { reply["count"] = count }
    if let error { reply["error"] = error }
    if let outputs, !outputs.isEmpty { reply["outputs"] = outputs }
    FileHandle.standardOutput.write(Data((json(reply) + "\n").utf8))
}

/// Why a real engine would refuse this message, or nil.
@MainActor
func refusal(_ message: [String: Any], address: String, action: String, kind: String) -> String? {
    let customer = message["customer"] as? [String: Any]
    let code = customer?["code"] as? String
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
    default:
        if !exists { return "\(address) does not exist here; it cannot be removed" }
        let children = model.children(of: address)
        if !children.isEmpty { return "\(address) still has \(children.count) resource(s) here, \(children[0]) first; remove them before it" }
        return nil
    }
    // The customer (and user) must be known here when they live on this engine.
    if kind != "customer", kind != "reseller", let code, customer?["engine"] as? String == engineName, model.resources["customer/\(code)"] == nil {
        return "unknown customer \(code): provision the customer first"
    }
    if kind == "user-service", let user = message["user"] as? [String: Any], user["engine"] as? String == engineName,
        let parent = message["parent"] as? String, model.resources[parent] == nil
    {
        return "unknown user \(parent): provision the user first"
    }
    return nil
}

/// What the engine keeps of a resource: its attributes, with sensitive ones masked.
@MainActor
func keptRecord(_ message: [String: Any], address: String, kind: String) -> [String: Any] {
    var attributes = message["attributes"] as? [String: Any] ?? [:]
    for name in message["sensitive"] as? [String] ?? [] where attributes[name] != nil { attributes[name] = "(sensitive)" }
    var record: [String: Any] = ["kind": kind, "attributes": attributes]
    if let code = (message["customer"] as? [String: Any])?["code"] { record["customer"] = code }
    if kind == "user-service", let sku = attributes["plan.license.sku"] as? String {
        record["licence"] = sku
        record["user"] = address.split(separator: "/").dropFirst(3).first.map(String.init)
    }
    return record
}

/// The kind of resource an address names, or nil when it is not an address.
func kind(of address: String) -> String? {
    let parts = address.split(separator: "/", omittingEmptySubsequences: false)
    switch (parts.first, parts.count) {
    case ("reseller", 2): return "reseller"
    case ("customer", 2): return "customer"
    case ("customer", 4): return parts[2] == "user" ? "user" : parts[2] == "service" ? "customer-service" : nil
    case ("customer", 6): return parts[2] == "user" && parts[4] == "service" ? "user-service" : nil
    default: return nil
    }
}

/// `--set`, `--add` or `--remove`: a change made behind Provisor's back.
@MainActor
func changeOutOfBand(_ operation: String, address: String, assignments: [String]) {
    var attributes: [String: Any] = [:]
    for assignment in assignments {
        let equals = assignment.firstIndex(of: "=")!
        let text = String(assignment[assignment.index(after: equals)...])
        attributes[String(assignment[..<equals])] = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
    }
    let id = "out-of-band-" + UUID().uuidString.lowercased()
    if operation == "subscription" {
        changeSubscription(address, attributes, id: id)
        return
    }
    guard let kind = kind(of: address) else { fail("'\(address)' is not a resource address") }
    switch operation {
    case "set":
        guard var kept = model.resources[address] else { fail("\(address) is not here; use --add") }
        kept["attributes"] = (kept["attributes"] as? [String: Any] ?? [:]).merging(attributes) { $1 }
        record(["id": id, "action": "update", "address": address, "kind": kind, "outcome": "out-of-band", "record": kept])
    case "add":
        guard model.resources[address] == nil else { fail("\(address) is already here; use --set") }
        var message: [String: Any] = ["attributes": attributes]
        if kind != "reseller" { message["customer"] = ["code": String(address.split(separator: "/")[1])] }
        let kept = keptRecord(message, address: address, kind: kind)
        var entry: [String: Any] = ["id": id, "action": "provision", "address": address, "kind": kind, "outcome": "out-of-band", "record": kept]
        entry["subscription"] = licence(for: kept)
        record(entry)
    default:
        guard model.resources[address] != nil else { fail("\(address) is not here") }
        for gone in model.children(of: address).reversed() + [address] {
            record(["id": id, "action": "deprovision", "address": gone, "outcome": "out-of-band"])
        }
    }
}

/// `--subscription ID NAME=VALUE...`: opens or changes a subscription as an operator would in
/// Partner Center; a larger quantity is a batch bought at `addedAt` (default: now).
@MainActor
func changeSubscription(_ id: String, _ fields: [String: Any], id entryID: String) {
    var subscription =
        model.subscriptions[id].map { current($0, at: clock) } ?? [
            "id": id, "autoRenew": true, "trial": false, "billingCycle": "monthly", "quantity": 0, "batches": [[String: Any]](),
        ]
    var addedAt = clock
    if let text = fields["addedAt"] {
        guard let date = (text as? String).flatMap(parseDate) else { fail("addedAt must be a date like 2026-11-21") }
        addedAt = date
    }
    for (name, value) in fields where name != "addedAt" && name != "quantity" {
        guard ["customer", "sku", "term", "termEnd", "trial", "autoRenew", "costPrice", "renewalQuantity", "billingCycle"].contains(name) else {
            fail(
                "a subscription has no field '\(name)'; set customer, sku, quantity, term, termEnd, trial, autoRenew, costPrice, renewalQuantity, billingCycle or addedAt"
            )
        }
        if name == "termEnd", parseDate(value as? String ?? "") == nil { fail("termEnd must be a date like 2026-12-31") }
        subscription[name] = value
    }
    if let quantity = fields["quantity"] as? Int {
        let had = subscription["quantity"] as? Int ?? 0
        if quantity > had { adding(quantity - had, to: &subscription, at: addedAt) } else if quantity < had { removing(had - quantity, from: &subscription) }
    }
    guard let customer = subscription["customer"] as? String, subscription["sku"] is String, let term = subscription["term"] as? String,
        ["P1M", "P1Y", "P3Y"].contains(term)
    else {
        fail("a new subscription needs customer=CODE, sku=SKU and term=P1M|P1Y|P3Y")
    }
    if subscription["termEnd"] == nil { subscription["termEnd"] = iso(adding(months: months(term), to: clock)) }
    record([
        "id": entryID, "action": "adjust-subscription", "address": "customer/\(customer)/subscription/\(id)", "kind": "subscription",
        "outcome": "out-of-band", "subscription": subscription,
    ])
}

/// Answers a subscriptions request: every subscription as it stands now, then the count.
@MainActor
func listSubscriptions(_ id: String) {
    var out = ""
    let all = model.subscriptions.keys.sorted().map { current(model.subscriptions[$0]!, at: clock) }
    for subscription in all { out += "{\"id\":" + encoded(id) + ",\"subscription\":" + encoded(subscription) + "}\n" }
    FileHandle.standardOutput.write(Data(out.utf8))
    answer(id, "succeeded", count: all.count)
}

/// Answers an observe request: every resource, then the count. The lines are written by hand:
/// JSONSerialization would take most of a minute for a large tenant model.
@MainActor
func observe(_ id: String) {
    var out = ""
    out.reserveCapacity(1 << 21)
    let prefix = "{\"id\":" + encoded(id) + ",\"resource\":{\"address\":"
    for address in model.resources.keys.sorted() {
        let attributes = model.resources[address]?["attributes"] as? [String: Any] ?? [:]
        out += prefix
        out += encoded(address)
        out += ",\"attributes\":{"
        var first = true
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) where value as? String != "(sensitive)" {
            if !first { out += "," }
            first = false
            out += encoded(name)
            out += ":"
            out += encoded(value)
        }
        out += "}}}\n"
        if out.utf8.count > 1 << 20 {
            FileHandle.standardOutput.write(Data(out.utf8))
            out.removeAll(keepingCapacity: true)
        }
    }
    FileHandle.standardOutput.write(Data(out.utf8))
    answer(id, "succeeded", count: model.resources.count)
}

/// One JSON value as text: strings, numbers, booleans, lists and objects of them.
func encoded(_ value: Any) -> String {
    switch value {
    case let text as String:
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    case let number as NSNumber:
        switch String(cString: number.objCType) {
        case "c": return number.boolValue ? "true" : "false"
        case "d", "f": return "\(number.doubleValue)"
        default: return "\(number.int64Value)"
        }
    case let items as [Any]:
        return "[" + items.map(encoded).joined(separator: ",") + "]"
    case let object as [String: Any]:
        return "{" + object.sorted { $0.key < $1.key }.map { encoded($0.key) + ":" + encoded($0.value) }.joined(separator: ",") + "}"
    default:
        return "null"
    }
}

while let line = readLine(strippingNewline: true) {
    guard !line.isEmpty else { continue }
    if let request = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        let reading = request["action"] as? String, reading == "observe" || reading == "subscriptions", let id = request["id"] as? String
    {
        if faults.unreadable.contains(engineName) || faults.unreadable.contains("*") {
            answer(id, "failed", error: "injected: the \(engineName) API cannot be read")
        } else if reading == "observe" {
            observe(id)
        } else {
            listSubscriptions(id)
        }
        continue
    }
    guard let message = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        let id = message["id"] as? String, let action = message["action"] as? String,
        let address = message["address"] as? String, let kind = message["kind"] as? String
    else {
        answer("", "failed", error: "not a provisioning message: it needs id, action, kind and address")
        continue
    }
    if let delay = faults.delays[address] ?? faults.delays["*"], delay > 0 { usleep(useconds_t(delay) * 1000) }
    if let outputs = model.applied[id] {
        record(["id": id, "action": action, "address": address, "outcome": "replayed"])
        answer(id, "succeeded", outputs: outputs)
        continue
    }
    if faults.fail.contains(address) {
        let text = "injected failure for \(address)"
        record(["id": id, "action": action, "address": address, "outcome": "rejected", "error": text])
        answer(id, "failed", error: text)
        continue
    }
    if let times = faults.flaky[address], model.retried[id, default: 0] < times {
        record(["id": id, "action": action, "address": address, "outcome": "retryable"])
        answer(id, "retryable", error: "injected temporary failure for \(address)")
        continue
    }
    if action == "adjust-subscription" {
        switch adjust(message, address: address) {
        case .success(let subscription):
            record([
                "id": id, "action": action, "address": address, "kind": kind, "outcome": "applied", "outputs": [String: Any](),
                "subscription": subscription,
            ])
            answer(id, "succeeded")
        case .failure(let refusal):
            record(["id": id, "action": action, "address": address, "outcome": "rejected", "error": refusal.text])
            answer(id, "failed", error: refusal.text)
        }
        continue
    }
    if let text = refusal(message, address: address, action: action, kind: kind) {
        record(["id": id, "action": action, "address": address, "outcome": "rejected", "error": text])
        answer(id, "failed", error: text)
        continue
    }
    var outputs: [String: Any] = [:]
    if kind == "customer", action == "provision", let code = (message["customer"] as? [String: Any])?["code"] as? String {
        outputs["tenantId"] = "sim-\(engineName)-\(code.lowercased())"
    }
    var entry: [String: Any] = ["id": id, "action": action, "address": address, "kind": kind, "outcome": "applied", "outputs": outputs]
    if action != "deprovision" {
        let kept = keptRecord(message, address: address, kind: kind)
        entry["record"] = kept
        if action == "provision" { entry["subscription"] = licence(for: kept) }
    }
    record(entry)
    appliedHere += 1
    if let limit = faults.crashAfter, appliedHere >= limit {
        FileHandle.standardError.write(Data("provisor-simulated-engine: injected crash after \(appliedHere) message(s)\n".utf8))
        exit(70)
    }
    answer(id, "succeeded", outputs: outputs)
}
