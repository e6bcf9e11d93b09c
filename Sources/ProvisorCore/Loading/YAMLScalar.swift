/// A scalar exactly as written. `text` is never reinterpreted: `no`, `on` and `010` stay
/// those characters; `resolved` says what a plain scalar would mean to a YAML 1.2 reader.
public struct YAMLScalar: Sendable, Hashable {
    /// Whether the scalar was written plain (unquoted, untagged) and so may be a number,
    /// boolean or null, or whether it is a string whatever its characters.
    public enum Style: Sendable, Hashable {
        case plain
        case quoted
    }

    public var text: String
    public var style: Style

    public init(_ text: String, style: Style) {
        self.text = text
        self.style = style
    }

    /// The YAML 1.2 core-schema reading of the scalar.
    public var resolved: ResolvedScalar { ResolvedScalar(self) }

    var kindDescription: String {
        switch resolved {
        case .null: return "an empty value"
        case .boolean: return "the boolean \(text)"
        case .integer, .number: return "the number \(text)"
        case .string: return "the string \"\(text)\""
        }
    }
}

/// The YAML 1.2 core-schema type of a scalar. Quoted scalars are always strings.
///
/// YAML 1.1 spellings that older tools read as booleans or octal numbers (`yes`, `no`, `on`,
/// `off`, `y`, `n`) are strings here, as in YAML 1.2; a plain integer with a leading zero
/// (`010`) is reported as `.integer` with `hasLeadingZero`, and typed readers refuse it
/// because YAML 1.1 reads it as octal.
public enum ResolvedScalar: Sendable, Hashable {
    case null
    case boolean(Bool)
    case integer(Int, hasLeadingZero: Bool)
    case number(String)
    case string(String)

    public init(_ scalar: YAMLScalar) {
        guard scalar.style == .plain else {
            self = .string(scalar.text)
            return
        }
        let text = scalar.text
        // Most scalars start with a letter that no null, boolean or number can start with.
        if let first = text.utf8.first, !ResolvedScalar.mayBeTyped(first) {
            self = .string(text)
            return
        }
        switch text {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .boolean(true)
        case "false", "False", "FALSE": self = .boolean(false)
        default:
            if let int = ResolvedScalar.integer(text) {
                self = int
            } else if ResolvedScalar.isNumber(text) {
                self = .number(text)
            } else {
                self = .string(text)
            }
        }
    }

    @inline(__always)
    private static func mayBeTyped(_ first: UInt8) -> Bool {
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "~"),
            UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    private static func integer(_ text: String) -> ResolvedScalar? {
        var digits = Substring(text)
        if let first = digits.first, first == "-" || first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let leadingZero = digits.count > 1 && digits.first == "0"
        guard let value = Int(text.first == "+" ? String(text.dropFirst()) : text) else {
            return .number(text)
        }
        return .integer(value, hasLeadingZero: leadingZero)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, or `.inf` / `.nan`, as YAML 1.2 core.
    private static func isNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        let lowered = String(decoding: bytes, as: UTF8.self).lowercased()
        if lowered == ".inf" || lowered == ".nan" { return true }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        var index = bytes.startIndex
        var mantissaDigits = 0
        while index < bytes.endIndex, isDigit(bytes[index]) {
            index += 1
            mantissaDigits += 1
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.endIndex, isDigit(bytes[index]) {
                index += 1
                mantissaDigits += 1
            }
        }
        guard mantissaDigits > 0 else { return false }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            var exponentDigits = 0
            while index < bytes.endIndex, isDigit(bytes[index]) {
                index += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return false }
        }
        return index == bytes.endIndex
    }
}
