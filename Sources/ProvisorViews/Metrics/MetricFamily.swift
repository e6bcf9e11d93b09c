import Foundation

/// One metric in Prometheus' text exposition format (version 0.0.4): its name, help, type and
/// samples. Names are `provisor_…` and documented in docs/operations.md as an API: a name or
/// label once published is not renamed.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gauge
        case counter
    }

    public struct Sample: Sendable, Equatable {
        /// Label names and values, in the order written.
        public var labels: [Label]
        public var value: Double

        public init(_ labels: [Label] = [], _ value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind = .gauge, help: String, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// The family as exposition text: `# HELP`, `# TYPE`, then a line per sample. Label values
    /// escape `\`, `"` and line breaks; help escapes `\` and line breaks (a reseller's code or
    /// an engine's name is written as it is, never able to start a line of its own).
    public var text: String {
        var text = "# HELP \(name) \(Self.escape(help, quotes: false))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            text += name
            if !sample.labels.isEmpty {
                text += "{" + sample.labels.map { "\($0.name)=\"\(Self.escape($0.value, quotes: true))\"" }.joined(separator: ",") + "}"
            }
            text += " " + Self.number(sample.value) + "\n"
        }
        return text
    }

    /// Families as one exposition document.
    public static func document(_ families: [MetricFamily]) -> String {
        families.map(\.text).joined()
    }

    static func escape(_ text: String, quotes: Bool) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\"" where quotes: escaped += "\\\""
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Whole numbers without a fraction, others as Swift writes a Double (which Prometheus
    /// reads); infinities and NaN as Prometheus spells them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
