import Foundation

/// The level of the hierarchy that supplied a value, most general first.
public enum Level: Sendable, Hashable, CustomStringConvertible {
    /// A value Provisor supplies when the manifests give none (the `default` instance name).
    case builtIn
    /// The Service manifest: a property's default, the service's name or engine.
    case serviceDefault
    case plan(String)
    case reseller(String)
    case customer(String)
    case user(String)
    case assignment
    /// A naming pattern evaluated over the resolved values.
    case pattern

    public var description: String {
        switch self {
        case .builtIn: return "Provisor default"
        case .serviceDefault: return "service default"
        case .plan(let code): return "plan \(code)"
        case .reseller(let code): return "reseller \(code)"
        case .customer(let code): return "customer \(code)"
        case .user(let username): return "user \(username)"
        case .assignment: return "assignment"
        case .pattern: return "pattern"
        }
    }
}
