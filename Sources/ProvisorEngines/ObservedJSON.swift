import Foundation
import ProvisorCore

/// One observed resource as engines write it (README "Reading engines back",
/// `schemas/observation.schema.json`), the same for exec and http:
///
/// ```json
/// {"address": "customer/JBL/user/alice", "attributes": {"firstName": "Alice", "seats": 3}}
/// ```
///
/// Attribute values are written as in a provisioning message: a string, a number, a boolean or
/// a list of strings. Secrets are never reported.
enum ObservedJSON {
    struct Problem: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    static func resource(_ object: Any, engine: String) throws(Problem) -> ObservedResource {
        guard let object = object as? [String: Any] else { throw Problem(reason: "a resource must be a JSON object {\"address\", \"attributes\"}") }
        guard let text = object["address"] as? String else { throw Problem(reason: "a resource has no \"address\"") }
        guard let address = ResourceAddress(parsing: text) else {
            throw Problem(reason: "'\(text)' is not a resource address; addresses take the forms \(ResourceAddress.forms)")
        }
        var attributes: [Attribute] = []
        if let given = object["attributes"] {
            guard let given = given as? [String: Any] else { throw Problem(reason: "the \"attributes\" of \(text) must be a JSON object") }
            for (name, raw) in given {
                guard let value = value(raw) else {
                    throw Problem(reason: "attribute '\(name)' of \(text) is \(describe(raw)); report a string, a number, a boolean or a list of strings")
                }
                attributes.append(Attribute(name: name, value: value))
            }
        }
        return ObservedResource(address: address, engine: engine, attributes: attributes)
    }

    /// A JSON value as an attribute value, or nil for what attributes cannot hold.
    static func value(_ raw: Any) -> AttributeValue? {
        switch raw {
        case let text as String:
            return .string(text)
        case let number as NSNumber:
            // JSONSerialization gives booleans the Objective-C type "c", integers "q"/"i", and
            // numbers written with a fraction or exponent "d".
            switch String(cString: number.objCType) {
            case "c": return .boolean(number.boolValue)
            case "d", "f": return Decimal(string: "\(number.doubleValue)", locale: Locale(identifier: "en_US_POSIX")).map { .number($0) }
            default: return .integer(number.intValue)
            }
        case let items as [Any]:
            var strings: [String] = []
            for item in items {
                guard let text = item as? String else { return nil }
                strings.append(text)
            }
            return .list(strings)
        default:
            return nil
        }
    }

    private static func describe(_ raw: Any) -> String {
        switch raw {
        case is NSNull: return "null"
        case is [String: Any]: return "an object"
        case is [Any]: return "a list with something other than strings in it"
        default: return "of an unsupported type"
        }
    }
}
