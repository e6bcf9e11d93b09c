import Foundation

/// A property value exactly as a manifest wrote it, typed later against the service's
/// property definition (a string property keeps `no` and `010` as written).
public struct PropertyValue: Sendable, Hashable {
    public var scalar: YAMLScalar
    public var location: SourceLocation

    public init(_ scalar: YAMLScalar, at location: SourceLocation) {
        self.scalar = scalar
        self.location = location
    }

    public var text: String { scalar.text }
}

/// One `name: value` entry of a `properties` mapping.
public struct PropertySetting: Sendable, Hashable {
    public var name: Located<String>
    public var value: PropertyValue
}

/// The types a service property may have.
public enum PropertyType: String, Sendable, Hashable, CaseIterable {
    case string
    case integer
    case number
    case boolean
    case `enum`
}

/// A property value read as its definition's type.
public enum TypedValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case number(Decimal)
    case boolean(Bool)

    public var description: String {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return "\(value)"
        case .boolean(let value): return value ? "true" : "false"
        }
    }
}

extension PropertyValue {
    /// Reads the value as `type`, or says why it does not fit (without location or hint).
    public func typed(as type: PropertyType, allowed values: [String] = []) -> Result<TypedValue, PropertyTypeError> {
        let resolved = scalar.resolved
        switch (type, resolved) {
        case (.string, .string(let text)):
            return .success(.string(text))
        case (.enum, .string(let text)):
            guard values.contains(text) else { return .failure(.notInEnum(text, values)) }
            return .success(.string(text))
        case (.integer, .integer(let value, false)):
            return .success(.integer(value))
        case (.integer, .integer(_, true)), (.number, .integer(_, true)):
            return .failure(.leadingZero(scalar.text))
        case (.number, .integer), (.number, .number):
            guard let value = Decimal(string: scalar.text) else { return .failure(.mismatch(type, scalar)) }
            return .success(.number(value))
        case (.boolean, .boolean(let value)):
            return .success(.boolean(value))
        default:
            return .failure(.mismatch(type, scalar))
        }
    }
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

extension DecodeContext {
    /// Reads a `properties` mapping: property names to scalar values.
    func propertySettings(_ node: YAMLNode, _ context: String) -> [PropertySetting] {
        namedEntries(node, context).compactMap { name, value in
            guard let scalar = value.scalar else {
                error(
                    value, "property '\(name.value)' must be a single value, found \(value.kindDescription)",
                    hint: "properties hold strings, numbers or booleans")
                return nil
            }
            if case .null = scalar.resolved {
                error(value, "property '\(name.value)' has no value", hint: "give it a value or remove the line; an omitted property is not managed")
                return nil
            }
            return PropertySetting(name: name, value: PropertyValue(scalar, at: location(value)))
        }
    }
}

extension MappingReader {
    func propertySettings(_ key: String = "properties") -> [PropertySetting] {
        self[key].map { context.propertySettings($0, "\(name).\(key)") } ?? []
    }
}
