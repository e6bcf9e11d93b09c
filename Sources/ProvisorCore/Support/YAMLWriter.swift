import Foundation

/// The one writer of the YAML Provisor writes (`provisor import`, `provisor new`): block
/// mappings for nested fields, flow mappings for assignments, scalars quoted only when they
/// must be, and always reading back as what was written.
enum YAMLWriter {
    static func header(engines: [String]) -> String {
        "# Written by provisor import from engine\(engines.count == 1 ? "" : "s") \(engines.joined(separator: ", ")). Values marked \"guessed\" were not reported by the engine: check them.\n"
    }

    static func comment(_ text: String?) -> String {
        text.map { "  # \($0)" } ?? ""
    }

    /// A value as a YAML scalar (or a flow list) that reads back as itself.
    static func scalar(_ value: AttributeValue) -> String {
        switch value {
        case .string(let text): return string(text)
        case .list(let items): return "[" + items.map(string).joined(separator: ", ") + "]"
        case .integer, .number, .boolean: return value.description
        case .secret(let reference): return "{ secretRef: \(string(reference)) }"
        }
    }

    /// Dotted fields as nested block mappings, in the order given (a parent where its first child is).
    static func block(_ fields: [DraftValue], indent: String) -> [String] {
        var lines: [String] = []
        var groups: [String] = []
        var members: [String: [DraftValue]] = [:]
        for field in fields {
            let parts = field.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                groups.append(field.name)
                members[field.name] = [field]
            } else {
                if members[parts[0]] == nil { groups.append(parts[0]) }
                members[parts[0], default: []].append(DraftValue(name: parts[1], value: field.value, comment: field.comment))
            }
        }
        for group in groups {
            let values = members[group]!
            if values.count == 1, values[0].name == group {
                lines.append("\(indent)\(group): \(scalar(values[0].value))" + comment(values[0].comment))
            } else {
                lines.append("\(indent)\(group):")
                lines += block(values, indent: indent + "  ")
            }
        }
        return lines
    }

    static func services(_ services: [DraftAssignment], indent: String) -> [String] {
        guard !services.isEmpty else { return ["\(indent)services: []"] }
        return ["\(indent)services:"] + services.sorted { $0.address < $1.address }.map { "\(indent)  \($0.line)" }
    }

    /// A YAML scalar that reads back as exactly `text`, in block and in flow collections,
    /// quoted only when needed (an indicator first, a flow indicator, ": " or " #" inside, a
    /// value YAML would read as another type).
    static func string(_ text: String) -> String {
        let plain = YAMLScalar(text, style: .plain)
        let special =
            text.isEmpty || "-?:,[]{}#&*!|>'\"%@`".contains(text.first!)
            || text.unicodeScalars.contains { ",[]{}\"\\".unicodeScalars.contains($0) || $0.value < 0x20 }
            || text.contains(": ") || text.hasSuffix(":") || text.contains(" #") || text.first == " " || text.last == " "
        if case .string = plain.resolved, !special { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20: quoted += String(format: "\\x%02X", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
