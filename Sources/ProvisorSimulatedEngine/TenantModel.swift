import Foundation
import ProvisorEngineKit

/// Every resource and subscription the simulated engine holds, rebuilt by replaying its log.
struct TenantModel {
    /// address → the record the engine keeps.
    var resources: [String: KeptRecord] = [:]
    /// Ids of messages applied, with the outputs they answered.
    var applied: [String: [String: JSONValue]] = [:]
    /// Retryable answers given so far, by message id.
    var retried: [String: Int] = [:]
    /// Subscriptions by id, as last written (`current(at:)` gives them renewed).
    var subscriptions: [String: SimulatedSubscription] = [:]
    /// Subscription ids, and the addresses holding a licence, by customer and SKU.
    private var subscriptionIDs: [String: Set<String>] = [:]
    private var holders: [String: Set<String>] = [:]

    private static func key(_ customer: String, _ sku: String) -> String { customer + "\u{0}" + sku }

    mutating func replay(_ entry: LogEntry) {
        if entry.outcome == "retryable" { retried[entry.id, default: 0] += 1 }
        guard entry.outcome == "applied" || entry.outcome == "out-of-band", let address = entry.address else { return }
        if entry.outcome == "applied" { applied[entry.id] = entry.outputs ?? [:] }
        if let subscription = entry.subscription {
            subscriptions[subscription.id] = subscription
            if let customer = subscription.customer, let sku = subscription.sku {
                subscriptionIDs[Self.key(customer, sku), default: []].insert(subscription.id)
            }
        }
        guard entry.action != "adjust-subscription" else { return }
        if let old = resources.removeValue(forKey: address), let customer = old.customer, let sku = old.licence {
            holders[Self.key(customer, sku)]?.remove(address)
        }
        if entry.action != "deprovision", let record = entry.record {
            resources[address] = record
            if let customer = record.customer, let sku = record.licence {
                holders[Self.key(customer, sku), default: []].insert(address)
            }
        }
    }

    /// The users of `customer` holding a licence of `sku`.
    func licensed(_ customer: String, _ sku: String) -> [String] {
        (holders[Self.key(customer, sku)] ?? []).compactMap { resources[$0]?.user }.sorted()
    }

    /// How many licences of `sku` `customer` has assigned.
    func licenseCount(_ customer: String, _ sku: String) -> Int { holders[Self.key(customer, sku)]?.count ?? 0 }

    /// The subscriptions of `customer` for `sku` as they stand at `date`.
    func subscriptions(of customer: String, sku: String, at date: Date) -> [SimulatedSubscription] {
        (subscriptionIDs[Self.key(customer, sku)] ?? []).sorted().compactMap { subscriptions[$0]?.current(at: date) }
    }

    func children(of address: String) -> [String] {
        resources.keys.filter { $0.hasPrefix(address + "/") }.sorted()
    }

    /// The model grouped as an operator would see it (`--show`).
    func tenants(engine: String, at date: Date) -> JSONValue {
        var resellers: [String: JSONValue] = [:]
        var tenants: [String: [String: JSONValue]] = [:]
        let groups = ["users", "mailboxes", "databases", "websites", "services", "subscriptions"]
        for (address, record) in resources.sorted(by: { $0.key < $1.key }) {
            guard let customer = record.customer else {
                resellers[String(address.dropFirst("reseller/".count))] = .object(record.attributes)
                continue
            }
            var tenant = tenants[customer] ?? Dictionary(uniqueKeysWithValues: groups.map { ($0, JSONValue.object([:])) })
            func add(_ group: String, _ key: String, _ value: JSONValue) {
                var entries = tenant[group]?.object ?? [:]
                entries[key] = value
                tenant[group] = .object(entries)
            }
            let attributes = record.attributes
            let name = String(address.split(separator: "/").last ?? "")
            switch record.kind {
            case "customer":
                tenant["customer"] = .object(attributes)
                var domains = [attributes["domains.primary"]].compactMap { $0 }
                if case .array(let aliases)? = attributes["domains.aliases"] { domains += aliases }
                tenant["domains"] = .array(domains)
            case "user":
                add("users", name, .object(attributes))
            default:
                let service = attributes["service"]?.string ?? name
                if let mailbox = attributes["properties.mailbox"] ?? (service == "mailbox" ? attributes["properties.address"] : nil) {
                    add("mailboxes", address, mailbox)
                }
                if service.hasPrefix("sql") || attributes["properties.dbName"] != nil {
                    add("databases", address, .object(attributes))
                } else if service.hasPrefix("web") {
                    add("websites", address, .object(attributes))
                } else {
                    add("services", address, .object(attributes))
                }
            }
            tenants[customer] = tenant
        }
        for stored in subscriptions.values {
            var subscription = stored.current(at: date)
            guard let customer = subscription.customer else { continue }
            subscription.assigned = licensed(customer, subscription.sku ?? "")
            var tenant = tenants[customer] ?? [:]
            var entries = tenant["subscriptions"]?.object ?? [:]
            entries[subscription.id] = (try? JSONDecoder().decode(JSONValue.self, from: Data(JSONLine.encode(subscription).utf8))) ?? .null
            tenant["subscriptions"] = .object(entries)
            tenants[customer] = tenant
        }
        return .object(["engine": .string(engine), "resellers": .object(resellers), "tenants": .object(tenants.mapValues { .object($0) })])
    }
}
