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
