import Foundation

/// The types a service property may have.
public enum PropertyType: String, Sendable, Hashable, CaseIterable {
    case string
    case integer
    case number
    case boolean
    case `enum`
}

/// Why a property value does not fit its definition.
public enum PropertyTypeError: Error, Sendable, Hashable {
    case mismatch(PropertyType, YAMLScalar)
    case notInEnum(String, [String])
    case leadingZero(String)

    public var message: String {
        switch self {
        case .mismatch(let type, let scalar):
            let article = type == .integer || type == .enum ? "an" : "a"
            return "must be \(article) \(type.rawValue), found \(scalar.kindDescription)"
        case .notInEnum(let value, _):
            return "has the value '\(value)', which is not one of its allowed values"
        case .leadingZero(let text):
            return "has a leading zero: \(text)"
        }
    }

    public var hint: String {
        switch self {
        case .mismatch(let type, let scalar):
            switch type {
            case .string, .enum: return "quote it: '\(scalar.text)'"
            case .integer: return "write digits only, without quotes"
            case .number: return "write a number like 16.00, without quotes"
            case .boolean: return "write true or false, without quotes"
            }
        case .notInEnum(let value, let values):
            let suggestion = Suggestions.closest(to: value, in: values).map { "did you mean '\($0)'? " } ?? ""
            return "\(suggestion)expected one of: \(values.joined(separator: ", "))"
        case .leadingZero:
            return "YAML 1.1 reads it as an octal number; remove the leading zero, or quote it for a string"
        }
    }
}
