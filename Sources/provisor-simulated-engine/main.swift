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
// Failure injection, from the environment:
//   PROVISOR_SIMULATED_FAIL=ADDRESS[,ADDRESS]       refuse these addresses (a terminal failure)
//   PROVISOR_SIMULATED_FLAKY=ADDRESS=N[,...]        answer "retryable" the first N times
//   PROVISOR_SIMULATED_DELAY_MS=ADDRESS=MS[,...]    wait before answering (ADDRESS * for all)
//   PROVISOR_SIMULATED_CRASH_AFTER=N                apply the Nth message, then exit unanswered
//   PROVISOR_SIMULATED_UNREADABLE=ENGINE[,ENGINE]   refuse observe requests (* for every engine)
//
// An `observe` request ({"id", "action": "observe"}) is answered with one {"id", "resource"}
// line per resource it holds (address and attributes, never sensitive ones), then
// {"id", "status": "succeeded", "count": N}.
//
// Usage: provisor-simulated-engine [--state-dir DIR] [--engine NAME] [--show | CHANGE]
//   --show prints the tenant model as JSON and exits.
//   A CHANGE is made out of band, as a technician would, and logged as such:
//     --set ADDRESS NAME=VALUE...   change attributes of a resource it holds
//     --add ADDRESS [NAME=VALUE...] add a resource it does not hold
//     --remove ADDRESS              remove a resource (and everything below it)
//   VALUE is read as JSON when it is JSON (3, true, ["a"]), else as text.
import Foundation

var stateDirectory = ".provisor/simulated"
var engineName = "simulated"
var show = false
/// An out-of-band change: what to do, to which address, with which attributes.
var outOfBand: (operation: String, address: String, assignments: [String])?
let usage = "usage: provisor-simulated-engine [--state-dir DIR] [--engine NAME] [--show | --set ADDRESS NAME=VALUE... | --add ADDRESS [NAME=VALUE...] | --remove ADDRESS]"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--state-dir": stateDirectory = arguments.next() ?? stateDirectory
    case "--engine": engineName = arguments.next() ?? engineName
    case "--show": show = true
    case "--set", "--add", "--remove":
        guard let address = arguments.next() else {
            FileHandle.standardError.write(Data("provisor-simulated-engine: \(argument) needs an address\n".utf8))
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
    /// Licences bought per customer and SKU (never fewer than assigned).
    var quantities: [String: [String: Int]] = [:]
    /// Licences assigned per customer and SKU.
    var assigned: [String: [String: Int]] = [:]

    mutating func replay(_ entry: [String: Any]) {
        guard let id = entry["id"] as? String, let outcome = entry["outcome"] as? String else { return }
        if outcome == "retryable" { retried[id, default: 0] += 1 }
        guard outcome == "applied" || outcome == "out-of-band", let address = entry["address"] as? String,
              let action = entry["action"] as? String else { return }
        if outcome == "applied" { applied[id] = entry["outputs"] as? [String: Any] ?? [:] }
        if let old = resources.removeValue(forKey: address) { count(old, -1) }
        if action != "deprovision", let record = entry["record"] as? [String: Any] {
            resources[address] = record
            count(record, 1)
        }
    }

    /// Counts a licence assignment in or out; buying more when there are too few.
    private mutating func count(_ record: [String: Any], _ delta: Int) {
        guard let customer = record["customer"] as? String, let sku = record["licence"] as? String else { return }
        let now = (assigned[customer]?[sku] ?? 0) + delta
        assigned[customer, default: [:]][sku] = now
        quantities[customer, default: [:]][sku] = max(quantities[customer]?[sku] ?? 0, now)
    }

    func children(of address: String) -> [String] {
        resources.keys.filter { $0.hasPrefix(address + "/") }.sorted()
    }

    /// The model grouped as an operator would see it.
    func tenants(engine: String) -> [String: Any] {
        var resellers: [String: Any] = [:]
        var tenants: [String: [String: Any]] = [:]
        for (address, record) in resources.sorted(by: { $0.key < $1.key }) {
            let attributes = record["attributes"] as? [String: Any] ?? [:]
            guard let customer = record["customer"] as? String else {
                resellers[String(address.dropFirst("reseller/".count))] = attributes
                continue
            }
            var tenant = tenants[customer] ?? ["users": [String: Any](), "mailboxes": [String: Any](), "databases": [String: Any](),
                                               "websites": [String: Any](), "services": [String: Any](), "subscriptions": [String: Any]()]
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
        for (customer, skus) in quantities {
            var tenant = tenants[customer] ?? [:]
            var subscriptions: [String: Any] = [:]
            for (sku, quantity) in skus {
                let users = resources.filter { $0.value["customer"] as? String == customer && $0.value["licence"] as? String == sku }
                    .compactMap { $0.value["user"] as? String }.sorted()
                subscriptions[sku] = ["quantity": quantity, "assigned": users]
            }
            tenant["subscriptions"] = subscriptions
            tenants[customer] = tenant
        }
        return ["engine": engine, "resellers": resellers, "tenants": tenants]
    }
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

let logPath = stateDirectory + "/log.jsonl"
var model = Model()
if let data = FileManager.default.contents(atPath: logPath) {
    for line in data.split(separator: 0x0A) {
        if let entry = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] { model.replay(entry) }
    }
}
if show {
    print(json(model.tenants(engine: engineName)))
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
    entry["at"] = Date().timeIntervalSince1970
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
       let parent = message["parent"] as? String, model.resources[parent] == nil {
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
    guard let kind = kind(of: address) else { fail("'\(address)' is not a resource address") }
    var attributes: [String: Any] = [:]
    for assignment in assignments {
        let equals = assignment.firstIndex(of: "=")!
        let text = String(assignment[assignment.index(after: equals)...])
        attributes[String(assignment[..<equals])] = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
    }
    let id = "out-of-band-" + UUID().uuidString.lowercased()
    switch operation {
    case "set":
        guard var kept = model.resources[address] else { fail("\(address) is not here; use --add") }
        kept["attributes"] = (kept["attributes"] as? [String: Any] ?? [:]).merging(attributes) { $1 }
        record(["id": id, "action": "update", "address": address, "kind": kind, "outcome": "out-of-band", "record": kept])
    case "add":
        guard model.resources[address] == nil else { fail("\(address) is already here; use --set") }
        var message: [String: Any] = ["attributes": attributes]
        if kind != "reseller" { message["customer"] = ["code": String(address.split(separator: "/")[1])] }
        record(["id": id, "action": "provision", "address": address, "kind": kind, "outcome": "out-of-band",
                "record": keptRecord(message, address: address, kind: kind)])
    default:
        guard model.resources[address] != nil else { fail("\(address) is not here") }
        for gone in model.children(of: address).reversed() + [address] {
            record(["id": id, "action": "deprovision", "address": gone, "outcome": "out-of-band"])
        }
    }
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
    if let request = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], request["action"] as? String == "observe",
       let id = request["id"] as? String {
        if faults.unreadable.contains(engineName) || faults.unreadable.contains("*") {
            answer(id, "failed", error: "injected: the \(engineName) API cannot be read")
        } else {
            observe(id)
        }
        continue
    }
    guard let message = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
          let id = message["id"] as? String, let action = message["action"] as? String,
          let address = message["address"] as? String, let kind = message["kind"] as? String else {
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
    if action != "deprovision" { entry["record"] = keptRecord(message, address: address, kind: kind) }
    record(entry)
    appliedHere += 1
    if let limit = faults.crashAfter, appliedHere >= limit {
        FileHandle.standardError.write(Data("provisor-simulated-engine: injected crash after \(appliedHere) message(s)\n".utf8))
        exit(70)
    }
    answer(id, "succeeded", outputs: outputs)
}
