/// One problem found in the manifests: what is wrong, where, and how to fix it.
///
/// Printed as `path/to/file.yaml:12:5: error: <what is wrong> (<how to fix>)`.
public struct Diagnostic: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public var hint: String?

    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    public static func error(at location: SourceLocation, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, at: location, message, hint: hint)
    }

    /// The message with its hint in parentheses, without the location.
    public var text: String {
        hint.map { "\(message) (\($0))" } ?? message
    }

    public var description: String {
        "\(location): \(severity.rawValue): \(text)"
    }

    /// Sorted by file, then line, then column, then message: the order every view prints.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        return lhs.message < rhs.message
    }
}

extension Array where Element == Diagnostic {
    public var errorCount: Int { lazy.filter { $0.severity == .error }.count }
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
