/// The formats of codes, names, domains and addresses. Each check matches the `pattern`
/// of the same field in `schemas/`, so editors and `provisor validate` agree.
public enum Format: String, Sendable {
    /// Customer and reseller codes: `^[A-Z][A-Z0-9]{1,15}$` ("JBL", "ACME2").
    case code
    /// Service, plan and engine names: `^[a-z0-9][a-z0-9-]{0,62}$` ("m365", "business-premium").
    case slug
    /// Usernames: `^[a-z0-9][a-z0-9._-]{0,63}$`.
    case username
    /// DNS domain names with at least two labels, letters in the last one.
    case domain
    /// `local@domain`.
    case email
    /// A three-letter upper-case ISO 4217 currency code.
    case currency
    /// A two-letter upper-case ISO 3166 country code.
    case country

    public func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches(ArraySlice($0)) }
    }

    private func matches(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        switch self {
        case .code:
            return (2...16).contains(bytes.count) && isUpper(bytes.first!) && bytes.allSatisfy { isUpper($0) || isDigit($0) }
        case .slug:
            return (1...63).contains(bytes.count) && isLowerOrDigit(bytes.first!)
                && bytes.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: "-") }
        case .username:
            return (1...64).contains(bytes.count) && isLowerOrDigit(bytes.first!)
                && bytes.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        case .domain:
            return Format.isDomain(bytes)
        case .email:
            guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > bytes.startIndex, at - bytes.startIndex <= 64 else { return false }
            let local = bytes[..<at]
            return local.allSatisfy { $0 > 32 && $0 != UInt8(ascii: "@") && $0 < 127 } && Format.isDomain(bytes[(at + 1)...])
        case .currency:
            return bytes.count == 3 && bytes.allSatisfy(isUpper)
        case .country:
            return bytes.count == 2 && bytes.allSatisfy(isUpper)
        }
    }

    /// What the format is, for the "how to fix" part of a message.
    public var explanation: String {
        switch self {
        case .code: return "2 to 16 upper-case letters and digits, starting with a letter, like JBL"
        case .slug: return "lower-case letters, digits and '-', like business-premium"
        case .username: return "lower-case letters, digits, '.', '_' and '-', like alice.jones"
        case .domain: return "a domain name like jonesbaker.example"
        case .email: return "an address like alice@jonesbaker.example"
        case .currency: return "a three-letter ISO 4217 code like USD"
        case .country: return "a two-letter ISO 3166 code like NZ"
        }
    }

    private static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard (1...253).contains(bytes.count) else { return false }
        var labelStart = bytes.startIndex
        var labels = 0
        var index = bytes.startIndex
        while index <= bytes.endIndex {
            if index == bytes.endIndex || bytes[index] == UInt8(ascii: ".") {
                let label = bytes[labelStart..<index]
                guard (1...63).contains(label.count), isAlnum(label.first!), isAlnum(label.last!),
                    label.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") })
                else { return false }
                labels += 1
                if index == bytes.endIndex {
                    return labels >= 2 && label.count >= 2 && label.allSatisfy(isLetter)
                }
                labelStart = index + 1
            }
            index += 1
        }
        return false
    }
}

@inline(__always) private func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
@inline(__always) private func isLowerOrDigit(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || isDigit(b) }
@inline(__always) private func isLetter(_ b: UInt8) -> Bool { isUpper(b) || (b >= 97 && b <= 122) }
@inline(__always) private func isAlnum(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }

extension DecodeContext {
    /// A string field that must match `format`.
    func formatted(_ node: YAMLNode, _ field: String, _ format: Format) -> Located<String>? {
        guard let text = string(node, field) else { return nil }
        guard format.matches(text.value) else {
            error(node, "'\(field)' is not a valid \(format.noun): '\(text.value)'", hint: "use \(format.explanation)")
            return nil
        }
        return text
    }
}

extension MappingReader {
    func formatted(_ key: String, _ format: Format) -> Located<String>? {
        self[key].flatMap { context.formatted($0, key, format) }
    }
}

extension Format {
    var noun: String {
        switch self {
        case .code: return "code"
        case .slug: return "name"
        case .username: return "username"
        case .domain: return "domain"
        case .email: return "email address"
        case .currency: return "currency"
        case .country: return "country code"
        }
    }
}
