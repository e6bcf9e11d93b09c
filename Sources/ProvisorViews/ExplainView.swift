import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders an explanation: each effective value, the level and file:line that set it, the
/// values it replaced and the lock that holds it; for a delegated resource, the grant that
/// covers it.
public enum ExplainView {
    /// `outputs` are what the resource's engine answered about it, as the state recorded them.
    public static func human(_ explanation: Explanation, grant: Grant?, outputs: [Attribute] = [], colour: Bool) -> String {
        let resource = explanation.resource
        var lines = [Style.bold.apply(resource.address.description, colour) + " (\(resource.kind.rawValue))"]
        if let parent = resource.parent { lines.append("  parent  \(parent)") }
        lines.append("  engine  \(resource.engine)")
        if let grant {
            lines.append("  delegated to \(grant.reseller.value) by \(grant.source)")
            lines.append("    paths    \(Grant.listing(grant.paths))")
            lines.append("    engines  \(Grant.listing(grant.engines))")
            lines.append("    secrets  \(Grant.listing(grant.secrets))")
        }
        if let market = explanation.market { lines.append("  market  " + marketLine(market)) }
        if !outputs.isEmpty {
            lines.append(
                "  outputs " + outputs.map { "\($0.name)=\(text($0.value, name: $0.name))" }.joined(separator: ", ")
                    + " (answered by the engine, kept in the state)")
        }
        lines.append("")
        let rows = explanation.entries.map { entry in
            (entry.name, text(entry.effective.value, name: entry.name), entry.effective.origin.level.description, source(entry.effective.origin))
        }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = min(40, rows.map(\.1.count).max() ?? 0)
        let levelWidth = rows.map(\.2.count).max() ?? 0
        let indent = String(repeating: " ", count: 2 + nameWidth + 2)
        for (entry, row) in zip(explanation.entries, rows) {
            var line = "  " + pad(row.0, nameWidth) + "  " + pad(row.1, valueWidth) + "  " + pad(row.2, levelWidth)
            if !row.3.isEmpty { line += "  " + Style.dim.apply(row.3, colour) }
            lines.append(line.trailingSpacesRemoved)
            for replaced in entry.overridden {
                let at = source(replaced.origin)
                lines.append(indent + "overrides \(text(replaced.value, name: entry.name)) from \(replaced.origin.level)" + (at.isEmpty ? "" : " (\(at))"))
            }
            if let lock = entry.lockedBy {
                let at = source(lock)
                lines.append(indent + "locked by \(lock.level)" + (at.isEmpty ? "" : " (\(at))"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "NZ (usageLocation) is one of csp-eu's markets: DE, NL, GB, NZ, AU (Partner Center region europe)".
    static func marketLine(_ market: MarketCheck) -> String {
        let verdict = market.passes ? "is one of" : "is NOT one of"
        return
            "\(market.country) (\(market.source)) \(verdict) \(market.engine)'s markets: \(market.markets.joined(separator: ", ")) (Partner Center region \(market.region))"
    }

    struct JSONExplanation: Encodable {
        struct Value: Encodable {
            var value: AttributeValue?
            var level: String
            var file: String?
            var line: Int?
        }
        struct Entry: Encodable {
            var name: String
            var value: AttributeValue
            var level: String
            var file: String?
            var line: Int?
            var overridden: [Value]
            var locked_by: Value?
        }
        struct Market: Encodable {
            var engine: String
            var region: String
            var markets: [String]
            var country: String
            var source: String
            var passes: Bool
        }
        struct Delegation: Encodable {
            var reseller: String
            var file: String
            var line: Int
            var paths: [String]
            var engines: [String]
            var secrets: [String]
        }
        var format_version = "1"
        var address: String
        var kind: String
        var parent: String?
        var engine: String
        var delegation: Delegation?
        var market: Market?
        var outputs: [String: AttributeValue]?
        var attributes: [Entry]
    }

    public static func json(_ explanation: Explanation, grant: Grant?, outputs: [Attribute] = []) throws -> String {
        let resource = explanation.resource
        func value(_ value: AttributeValue?, _ origin: Origin) -> JSONExplanation.Value {
            JSONExplanation.Value(
                value: value, level: origin.level.description,
                file: origin.location?.file, line: origin.location?.line)
        }
        let document = JSONExplanation(
            address: resource.address.description, kind: resource.kind.rawValue, parent: resource.parent?.description,
            engine: resource.engine,
            delegation: grant.map { grant in
                JSONExplanation.Delegation(
                    reseller: grant.reseller.value, file: grant.reseller.location.file, line: grant.reseller.location.line,
                    paths: grant.paths.map(\.value), engines: grant.engines.map(\.value), secrets: grant.secrets.map(\.value))
            },
            market: explanation.market.map { market in
                JSONExplanation.Market(
                    engine: market.engine, region: market.region, markets: market.markets, country: market.country, source: market.source,
                    passes: market.passes)
            },
            outputs: outputs.isEmpty ? nil : Dictionary(outputs.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
            attributes: explanation.entries.map { entry in
                JSONExplanation.Entry(
                    name: entry.name, value: entry.effective.value, level: entry.effective.origin.level.description,
                    file: entry.effective.origin.location?.file, line: entry.effective.origin.location?.line,
                    overridden: entry.overridden.map { value($0.value, $0.origin) },
                    locked_by: entry.lockedBy.map { value(nil, $0) })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// A value as text, on one line and with no character a terminal or markdown would act on
    /// (control characters are written as escapes); prices keep two decimals.
    static func text(_ value: AttributeValue, name: String) -> String {
        guard case .number(let number) = value, name.hasSuffix("Price") else { return value.description.controlCharactersEscaped }
        let plain = "\(number)"
        guard let dot = plain.firstIndex(of: ".") else { return plain + ".00" }
        let decimals = plain.distance(from: dot, to: plain.endIndex) - 1
        return decimals >= 2 ? plain : plain + String(repeating: "0", count: 2 - decimals)
    }

    static func source(_ origin: Origin) -> String { origin.location?.fileAndLine ?? "" }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

extension String {
    public var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
