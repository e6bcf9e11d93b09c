import Foundation

/// Typed access to the fields of one mapping; unknown and missing keys were already reported.
struct MappingReader {
    let context: DecodeContext
    let node: YAMLNode
    let entries: [YAMLEntry]
    let name: String

    var location: SourceLocation { context.location(node) }

    subscript(key: String) -> YAMLNode? {
        entries.first { $0.key.scalar?.text == key }?.value
    }

    func string(_ key: String) -> Located<String>? { self[key].flatMap { context.string($0, key) } }
    func text(_ key: String) -> String? { string(key)?.value }
    func bool(_ key: String) -> Bool? { self[key].flatMap { context.bool($0, key) } }
    func int(_ key: String, minimum: Int? = nil) -> Int? { self[key].flatMap { context.int($0, key, minimum: minimum) } }
    func decimal(_ key: String) -> Decimal? { self[key].flatMap { context.decimal($0, key) } }
    func locatedDecimal(_ key: String) -> Located<Decimal>? { located(key, decimal) }
    /// `read(key)` with the position of the key's value.
    func located<T>(_ key: String, _ read: (String) -> T?) -> Located<T>? {
        guard let node = self[key], let value = read(key) else { return nil }
        return Located(value, at: context.location(node))
    }
    func stringList(_ key: String) -> [Located<String>]? { self[key].map { context.stringList($0, key) } }
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type, among cases: [E]? = nil) -> E? where E.RawValue == String {
        self[key].flatMap { context.choice($0, key, as: type, among: cases) }
    }

    /// A nested mapping, read with its own known and required keys.
    func mapping(_ key: String, known: [String], required: [String] = []) -> MappingReader? {
        self[key].flatMap { context.mapping($0, "\(name).\(key)", known: known, required: required) }
    }

    /// A nested list, each item passed to `each`; a non-list is reported.
    func list<T>(_ key: String, _ each: (YAMLNode, Int) -> T?) -> [T]? {
        guard let node = self[key] else { return nil }
        guard case .sequence(let items) = node.content else {
            context.error(node, "'\(key)' must be a list, found \(node.kindDescription)", hint: "write one '- item' per line")
            return []
        }
        return items.enumerated().compactMap { each($0.element, $0.offset) }
    }
}
