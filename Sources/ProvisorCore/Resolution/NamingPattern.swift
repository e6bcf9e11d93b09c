/// A naming pattern such as `{customer.code}_{instance}`: a computed default evaluated after
/// every other value of the assignment resolved.
struct NamingPattern: Sendable, Hashable {
    enum Placeholder: Sendable, Hashable, CustomStringConvertible {
        case customerCode
        case customerDomain
        case username
        case instance
        case serviceCode
        case planCode
        case property(String)

        init?(_ name: Substring) {
            switch name {
            case "customer.code": self = .customerCode
            case "customer.domain": self = .customerDomain
            case "user.username": self = .username
            case "instance": self = .instance
            case "service.code": self = .serviceCode
            case "plan.code": self = .planCode
            default:
                guard name.hasPrefix("properties."), name.count > "properties.".count else { return nil }
                self = .property(String(name.dropFirst("properties.".count)))
            }
        }

        var description: String {
            switch self {
            case .customerCode: return "{customer.code}"
            case .customerDomain: return "{customer.domain}"
            case .username: return "{user.username}"
            case .instance: return "{instance}"
            case .serviceCode: return "{service.code}"
            case .planCode: return "{plan.code}"
            case .property(let name): return "{properties.\(name)}"
            }
        }

        static let all = "{customer.code}, {customer.domain}, {user.username}, {instance}, {service.code}, {plan.code}, {properties.NAME}"
    }

    enum Segment: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    /// Why a pattern cannot be parsed: a message and a hint.
    struct ParseError: Error {
        var message: String
        var hint: String
    }

    let segments: [Segment]

    init(parsing pattern: String) throws(ParseError) {
        var segments: [Segment] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            if rest[open] == "}" {
                throw ParseError(message: "has a '}' without a matching '{'", hint: "placeholders are written {name}; remove the stray '}'")
            }
            if open > rest.startIndex { segments.append(.text(String(rest[..<open]))) }
            let inside = rest[rest.index(after: open)...]
            guard let close = inside.firstIndex(where: { $0 == "}" || $0 == "{" }), inside[close] == "}" else {
                throw ParseError(message: "has an unclosed '{'", hint: "close the placeholder with '}'")
            }
            let name = inside[..<close]
            guard let placeholder = Placeholder(name) else {
                let known = ["customer.code", "customer.domain", "user.username", "instance", "service.code", "plan.code"]
                let suggestion = Suggestions.closest(to: String(name), in: known).map { "did you mean {\($0)}? " } ?? ""
                throw ParseError(message: "has the unknown placeholder {\(name)}", hint: "\(suggestion)placeholders are \(Placeholder.all)")
            }
            segments.append(.placeholder(placeholder))
            rest = inside[inside.index(after: close)...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        self.segments = segments
    }

    var placeholders: [Placeholder] {
        segments.compactMap { segment in
            if case .placeholder(let placeholder) = segment { return placeholder }
            return nil
        }
    }

    /// The properties the pattern reads.
    var properties: [String] {
        placeholders.compactMap { placeholder in
            if case .property(let name) = placeholder { return name }
            return nil
        }
    }

    /// The pattern with every placeholder replaced, or the first placeholder that has no value.
    func evaluate(_ value: (Placeholder) -> String?) -> Result<String, MissingPlaceholder> {
        var result = ""
        for segment in segments {
            switch segment {
            case .text(let text):
                result += text
            case .placeholder(let placeholder):
                guard let text = value(placeholder) else { return .failure(MissingPlaceholder(placeholder: placeholder)) }
                result += text
            }
        }
        return .success(result)
    }

    struct MissingPlaceholder: Error {
        var placeholder: Placeholder
    }
}
