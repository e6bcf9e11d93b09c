import Foundation
import ProvisorCore
import ProvisorEngineKit

/// One observed resource as engines write it (docs/engines.md "Reading engines back",
/// `schemas/observation.schema.json`), the same for exec and http:
///
/// ```json
/// {"address": "customer/JBL/user/alice", "attributes": {"firstName": "Alice", "seats": 3}, "outputs": {"objectId": "…"}}
/// ```
///
/// `outputs` (optional) are the identifiers the engine answered when it made the resource.
///
/// Attribute values are written as in a provisioning message: a string, a number, a boolean or
/// a list of strings. Secrets are never reported.
enum ObservedJSON {
    struct ParseError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    static func resource(_ object: JSONValue, engine: String) throws(ParseError) -> ObservedResource {
        guard case .object(let object) = object else { throw ParseError(reason: "a resource must be a JSON object {\"address\", \"attributes\"}") }
        guard let text = object["address"]?.string else { throw ParseError(reason: "a resource has no \"address\"") }
        guard let address = ResourceAddress(parsing: text) else {
            throw ParseError(reason: "'\(text)' is not a resource address; addresses take the forms \(ResourceAddress.forms)")
        }
        return ObservedResource(
            address: address, engine: engine, attributes: try values(object["attributes"], "attribute", of: text),
            outputs: try values(object["outputs"], "output", of: text))
    }

    /// The members of an `attributes` or `outputs` object (absent: none).
    private static func values(_ given: JSONValue?, _ noun: String, of address: String) throws(ParseError) -> [Attribute] {
        guard let given else { return [] }
        guard case .object(let members) = given else { throw ParseError(reason: "the \"\(noun)s\" of \(address) must be a JSON object") }
        var attributes: [Attribute] = []
        for (name, raw) in members {
            guard let value = value(raw) else {
                throw ParseError(reason: "\(noun) '\(name)' of \(address) is \(describe(raw)); report a string, a number, a boolean or a list of strings")
            }
            attributes.append(Attribute(name: name, value: value))
        }
        return attributes
    }

    /// A JSON value as an attribute value, or nil for what attributes cannot hold. A number
    /// written with a fraction or an exponent is a number (`16.0`), one without an integer.
    static func value(_ raw: JSONValue) -> AttributeValue? {
        switch raw {
        case .string(let text): return .string(text)
        case .bool(let flag): return .boolean(flag)
        case .integer(let number): return .integer(number)
        case .number(let number): return Decimal(string: "\(number)", locale: Locale(identifier: "en_US_POSIX")).map { .number($0) }
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else { return nil }
                strings.append(text)
            }
            return .list(strings)
        case .object, .null:
            return nil
        }
    }

    private static func describe(_ raw: JSONValue) -> String {
        switch raw {
        case .null: return "null"
        case .object: return "an object"
        case .array: return "a list with something other than strings in it"
        default: return "of an unsupported type"
        }
    }
}

extension ObservedJSON {
    /// A licence subscription as an engine reports it (docs/rightsizing.md):
    /// `{"id", "customer", "sku", "quantity", "term", "termEnd", "billingCycle"?, "autoRenew"?,
    /// "trial"?, "costPrice"?, "renewalQuantity"?, "batches"?: [{"quantity", "addedAt",
    /// "refundableUntil"?}]}`; dates as `2026-12-31` or `2026-12-31T00:00:00Z`.
    static func subscription(_ object: JSONValue, engine: String) throws(ParseError) -> Subscription {
        guard case .object(let object) = object else { throw ParseError(reason: "a subscription must be a JSON object") }
        let name = object["id"]?.string.map { "subscription \($0)" } ?? "a subscription"
        func text(_ key: String) throws(ParseError) -> String {
            guard let value = object[key]?.string, !value.isEmpty else { throw ParseError(reason: "\(name) has no \"\(key)\" text") }
            return value
        }
        func count(_ key: String, in source: [String: JSONValue]) throws(ParseError) -> Int? {
            guard let raw = source[key] else { return nil }
            guard case .integer(let value)? = value(raw), value >= 0 else {
                throw ParseError(reason: "\"\(key)\" of \(name) must be a whole number of 0 or more")
            }
            return value
        }
        func date(_ key: String, in source: [String: JSONValue]) throws(ParseError) -> Date? {
            guard let raw = source[key] else { return nil }
            guard let written = raw.string, let date = ISODate.parse(written) else {
                throw ParseError(reason: "\"\(key)\" of \(name) must be a date like 2026-12-31 or 2026-12-31T00:00:00Z")
            }
            return date
        }
        func flag(_ key: String) throws(ParseError) -> Bool? {
            guard let raw = object[key] else { return nil }
            guard case .boolean(let value)? = value(raw) else { throw ParseError(reason: "\"\(key)\" of \(name) must be true or false") }
            return value
        }
        let id = try text("id"), customer = try text("customer"), sku = try text("sku")
        guard let quantity = try count("quantity", in: object) else { throw ParseError(reason: "\(name) has no \"quantity\"") }
        guard let term = Subscription.Term(rawValue: try text("term")) else { throw ParseError(reason: "\"term\" of \(name) must be P1M, P1Y or P3Y") }
        guard let termEnd = try date("termEnd", in: object) else { throw ParseError(reason: "\(name) has no \"termEnd\"") }
        var costPrice: Decimal?
        if let raw = object["costPrice"] {
            switch value(raw) {
            case .number(let number)?: costPrice = number
            case .integer(let number)?: costPrice = Decimal(number)
            default: throw ParseError(reason: "\"costPrice\" of \(name) must be a number")
            }
        }
        var batches: [Subscription.Batch] = []
        if let raw = object["batches"] {
            guard case .array(let list) = raw else { throw ParseError(reason: "\"batches\" of \(name) must be a list") }
            for item in list {
                guard case .object(let batch) = item, let size = try count("quantity", in: batch), let added = try date("addedAt", in: batch) else {
                    throw ParseError(reason: "each batch of \(name) needs \"quantity\" and \"addedAt\"")
                }
                batches.append(Subscription.Batch(quantity: size, addedAt: added, refundableUntil: try date("refundableUntil", in: batch)))
            }
        }
        return Subscription(
            id: id, customer: customer, engine: engine, sku: sku, quantity: quantity, term: term,
            billingCycle: object["billingCycle"]?.string ?? "monthly", termEnd: termEnd,
            autoRenew: try flag("autoRenew") ?? true, trial: try flag("trial") ?? false, costPrice: costPrice,
            renewalQuantity: try count("renewalQuantity", in: object), batches: batches)
    }
}
