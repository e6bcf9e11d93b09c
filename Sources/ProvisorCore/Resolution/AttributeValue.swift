import Foundation

/// A resolved attribute value. Values compare by value: `16.00` and `16.0` are the same number.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible, Encodable {
    case string(String)
    case integer(Int)
    case number(Decimal)
    case boolean(Bool)
    case list([String])
    /// A secret reference (`env:NAME`, `file:PATH`); the secret itself is read only at apply time.
    case secret(reference: String)

    init(_ value: TypedValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .number(let number): self = .number(number)
        case .boolean(let flag): self = .boolean(flag)
        }
    }

    /// The value as text; a secret shows as `(sensitive)`.
    public var description: String {
        switch self {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .number(let number): return "\(number)"
        case .boolean(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.joined(separator: ", ") + "]"
        case .secret: return "(sensitive)"
        }
    }

    /// JSON: strings, numbers, booleans and lists as themselves; a secret as "(sensitive)".
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .number(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        case .list(let items): try container.encode(items)
        case .secret: try container.encode(description)
        }
    }

    public static func == (lhs: AttributeValue, rhs: AttributeValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.secret(let a), .secret(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let text):
            hasher.combine(0)
            hasher.combine(text)
        case .integer(let number):
            hasher.combine(1)
            hasher.combine(number)
        case .number(let number):
            hasher.combine(2)
            hasher.combine(number)
        case .boolean(let flag):
            hasher.combine(3)
            hasher.combine(flag)
        case .list(let items):
            hasher.combine(4)
            hasher.combine(items)
        case .secret(let reference):
            hasher.combine(5)
            hasher.combine(reference)
        }
    }
}
