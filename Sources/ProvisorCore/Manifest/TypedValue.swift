import Foundation

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
