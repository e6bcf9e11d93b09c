import Foundation
import ProvisorCore

/// A result line as the exec protocol defines it (docs/engines.md).
enum ExecResult {
    struct ParseError: Error { var reason: String }

    static func parse(_ line: String, expecting id: String) -> Result<DeliveryResult, ParseError> {
        guard let data = line.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            return .failure(ParseError(reason: "not a JSON object"))
        }
        guard let answered = object["id"] as? String else { return .failure(ParseError(reason: "no \"id\"")) }
        guard answered == id else { return .failure(ParseError(reason: "it answers message \(answered), not \(id)")) }
        let error = object["error"] as? String
        switch object["status"] as? String {
        case "succeeded":
            var outputs: [Attribute] = []
            if let given = object["outputs"] as? [String: Any] {
                for (name, value) in given.sorted(by: { $0.key < $1.key }) {
                    switch value {
                    case let text as String: outputs.append(Attribute(name: name, value: .string(text)))
                    case let number as NSNumber: outputs.append(Attribute(name: name, value: .string(number.stringValue)))
                    default: return .failure(ParseError(reason: "output \"\(name)\" is not a string or number"))
                    }
                }
            }
            return .success(.succeeded(outputs: outputs))
        case "retryable":
            return .success(.retryable(error ?? "the engine asked to retry", retryAfter: (object["retryAfterSeconds"] as? NSNumber)?.doubleValue))
        case "failed":
            return .success(.terminal(error ?? "the engine refused the message without saying why"))
        case let other?:
            return .failure(ParseError(reason: "unknown status '\(other)'; use succeeded, retryable or failed"))
        case nil:
            return .failure(ParseError(reason: "no \"status\""))
        }
    }
}
