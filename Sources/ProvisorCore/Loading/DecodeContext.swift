import Foundation

/// Collects the diagnostics of decoding one file. Not shared between threads: each file
/// being decoded has its own.
final class DecodeContext {
    let file: String
    private let fileID: Int32
    var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
        fileID = FilePaths.shared.id(for: file)
    }

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(fileID: fileID, line: Int(node.mark.line), column: Int(node.mark.column))
    }

    func error(_ node: YAMLNode, _ message: String, hint: String? = nil) {
        diagnostics.append(.error(at: location(node), message, hint: hint))
    }

    /// Reads `node` as a mapping whose keys must be among `known`; reports a wrong type,
    /// unknown keys (with a suggestion) and missing `required` keys. `context` names the
    /// mapping in messages ("Customer spec", "spec.contact").
    func mapping(_ node: YAMLNode, _ context: String, known: [String], required: [String] = []) -> MappingReader? {
        guard case .mapping(let entries) = node.content else {
            error(
                node, "\(context) must be a mapping, found \(node.kindDescription)",
                hint: "write it as 'key: value' lines or { key: value }")
            return nil
        }
        for entry in entries {
            guard let key = entry.key.scalar?.text else {
                error(entry.key, "keys in \(context) must be plain strings, found \(entry.key.kindDescription)")
                continue
            }
            if !known.contains(key) {
                error(entry.key, "unknown field '\(key)' in \(context)", hint: Suggestions.hint(for: key, among: known, noun: "allowed fields"))
            }
        }
        for key in required where !entries.contains(where: { $0.key.scalar?.text == key }) {
            error(node, "missing required field '\(key)' in \(context)", hint: "add '\(key):'")
        }
        return MappingReader(context: self, node: node, entries: entries, name: context)
    }

    /// Reads `node` as a mapping of user-chosen names (property names, plan codes) to values.
    func namedEntries(_ node: YAMLNode, _ context: String) -> [(name: Located<String>, value: YAMLNode)] {
        guard case .mapping(let entries) = node.content else {
            error(node, "\(context) must be a mapping, found \(node.kindDescription)", hint: "write it as 'name: value' lines")
            return []
        }
        return entries.compactMap { entry in
            guard let key = entry.key.scalar?.text, !key.isEmpty else {
                error(entry.key, "keys in \(context) must be non-empty strings, found \(entry.key.kindDescription)")
                return nil
            }
            return (Located(key, at: location(entry.key)), entry.value)
        }
    }

    // MARK: Scalars

    func string(_ node: YAMLNode, _ field: String) -> Located<String>? {
        guard let scalar = node.scalar else {
            error(node, "'\(field)' must be a string, found \(node.kindDescription)")
            return nil
        }
        switch scalar.resolved {
        case .string(let text):
            if let control = text.unicodeScalars.first(where: \.isControl) {
                error(
                    node,
                    "'\(field)' holds the control character U+\(String(control.value, radix: 16, uppercase: true).leftPadded(to: 4)) (a line break, tab, ESC or the like), which a one-line value cannot hold",
                    hint: "write it on one line, without control characters")
                return nil
            }
            return Located(text, at: location(node))
        case .null:
            error(node, "'\(field)' has no value", hint: "give it a value or remove the line")
        default:
            error(node, "'\(field)' must be a string, found \(scalar.kindDescription)", hint: "quote it: '\(scalar.text)'")
        }
        return nil
    }

    func bool(_ node: YAMLNode, _ field: String) -> Bool? {
        if let scalar = node.scalar, case .boolean(let value) = scalar.resolved { return value }
        let spelledLike11 = ["yes", "no", "on", "off", "y", "n"].contains(node.scalar?.text.lowercased() ?? "")
        error(
            node, "'\(field)' must be true or false, found \(node.kindDescription)",
            hint: spelledLike11 ? "'\(node.scalar!.text)' is a boolean only in YAML 1.1; write true or false" : "write true or false")
        return nil
    }

    func int(_ node: YAMLNode, _ field: String, minimum: Int? = nil) -> Int? {
        guard let scalar = node.scalar, case .integer(let value, let leadingZero) = scalar.resolved else {
            error(node, "'\(field)' must be a whole number, found \(node.kindDescription)", hint: "write digits only, without quotes")
            return nil
        }
        if leadingZero {
            error(
                node, "'\(field)' has a leading zero: \(scalar.text)",
                hint: "YAML 1.1 reads it as an octal number; write \(value)")
            return nil
        }
        if let minimum, value < minimum {
            error(node, "'\(field)' must be at least \(minimum), found \(value)")
            return nil
        }
        return value
    }

    func decimal(_ node: YAMLNode, _ field: String) -> Decimal? {
        if let scalar = node.scalar {
            switch scalar.resolved {
            case .integer(_, false), .number:
                if let value = Decimal(string: scalar.text), value >= 0, !scalar.text.lowercased().contains("inf"), !scalar.text.lowercased().contains("nan") {
                    return value
                }
            default: break
            }
        }
        error(node, "'\(field)' must be a non-negative number, found \(node.kindDescription)", hint: "write it like 16.00, without quotes")
        return nil
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ field: String, as type: E.Type, among cases: [E]? = nil) -> E?
    where E.RawValue == String {
        guard let text = string(node, field) else { return nil }
        let cases = cases ?? Array(E.allCases)
        if let value = E(rawValue: text.value), cases.contains(where: { $0.rawValue == value.rawValue }) { return value }
        let allowed = cases.map(\.rawValue)
        let suggestion = Suggestions.closest(to: text.value, in: allowed).map { "did you mean '\($0)'? " } ?? ""
        error(node, "invalid value '\(text.value)' for '\(field)'", hint: "\(suggestion)expected one of: \(allowed.joined(separator: ", "))")
        return nil
    }

    func stringList(_ node: YAMLNode, _ field: String) -> [Located<String>] {
        guard case .sequence(let items) = node.content else {
            error(node, "'\(field)' must be a list, found \(node.kindDescription)", hint: "write it as [a, b] or one '- item' per line")
            return []
        }
        return items.compactMap { string($0, "\(field)[]") }
    }
}

extension String {
    /// The text with leading zeros up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
