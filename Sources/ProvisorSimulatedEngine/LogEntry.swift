import ProvisorEngineKit

/// One line of the simulated engine's log (`log.jsonl`): a message it received and what it did,
/// or a change made out of band. The model is rebuilt by replaying the log.
public struct LogEntry: Codable, Hashable, Sendable {
    public var id: String
    public var action: String
    public var address: String?
    public var kind: String?
    /// applied, rejected, retryable, replayed or out-of-band.
    public var outcome: String
    public var error: String?
    public var outputs: [String: JSONValue]?
    /// The resource as kept after the change (none for a removal).
    public var record: KeptRecord?
    /// The subscription as it stands after the change, when it changed one.
    public var subscription: SimulatedSubscription?
    /// When, as seconds since 1970, on the engine's clock.
    public var at: Double?
    public var engine: String?
}

extension LogEntry {
    /// One line of the log read without Codable (replaying a large log is most of an engine's
    /// start); nil for a line this cannot read, which JSONDecoder then reads or skips. Entries
    /// that change a subscription are left to JSONDecoder.
    init?(line: some Collection<UInt8>) {
        guard case .object(let json)? = JSONValue(parsing: line), json["subscription"] == nil,
            let id = json["id"]?.string, let action = json["action"]?.string, let outcome = json["outcome"]?.string,
            let address = Self.text(json["address"]), let kind = Self.text(json["kind"]), let error = Self.text(json["error"]),
            let engine = Self.text(json["engine"]), let outputs = Self.object(json["outputs"])
        else { return nil }
        self.id = id
        self.action = action
        self.outcome = outcome
        self.address = address
        self.kind = kind
        self.error = error
        self.engine = engine
        self.outputs = outputs
        switch json["at"] {
        case nil, .null?: at = nil
        case .integer(let seconds)?: at = Double(seconds)
        case .number(let seconds)?: at = seconds
        default: return nil
        }
        switch json["record"] {
        case nil, .null?: record = nil
        case .object(let kept)?:
            guard let kind = kept["kind"]?.string, case .object(let attributes)? = kept["attributes"], let customer = Self.text(kept["customer"]),
                let licence = Self.text(kept["licence"]), let user = Self.text(kept["user"]), let outputs = Self.object(kept["outputs"])
            else { return nil }
            record = KeptRecord(kind: kind, attributes: attributes, customer: customer, licence: licence, user: user, outputs: outputs)
        default: return nil
        }
    }

    /// An optional string member: .some(nil) when absent or null, nil when of another type.
    private static func text(_ value: JSONValue?) -> String?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return .some(text)
        default: return nil
        }
    }

    private static func object(_ value: JSONValue?) -> [String: JSONValue]?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .object(let members)?: return .some(members)
        default: return nil
        }
    }
}
