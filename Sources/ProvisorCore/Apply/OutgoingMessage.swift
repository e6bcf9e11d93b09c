import Foundation

/// One message on its way to an engine, with its secrets already read. Its two JSON forms are
/// rendered when an adapter asks for one: the wire form (secrets as their values) and the form
/// that may be stored (secrets as `{"secretRef": ...}`).
public struct OutgoingMessage: Sendable {
    public var message: ProvisioningMessage
    /// Reference → value, for the secrets the message carries.
    let secrets: [String: String]
    /// Taken by the engine's transport in an earlier run (journalled as sent): its answer is
    /// collected (`EngineAdapter.collect`), and it is sent again only when that answer is
    /// retryable.
    public var alreadySent: Bool

    public init(message: ProvisioningMessage, secrets: [String: String] = [:], alreadySent: Bool = false) {
        self.message = message
        self.secrets = secrets
        self.alreadySent = alreadySent
    }

    public var id: String { message.id }

    /// The JSON sent to the engine. Never stored or logged.
    public func body() -> String { message.json(secrets: secrets.isEmpty ? nil : secrets) }

    /// The JSON that may be stored.
    public func restingBody() -> String { message.json() }

    /// The most of an engine's error text that is printed, journalled and audited.
    public static let answerLimit = 4_096

    /// `result` as it may be printed and stored: every secret value this message carries (in
    /// each form `Redaction` looks for) replaced by `(sensitive)`, and the text cut to
    /// `answerLimit` bytes. The secrets an engine was set up with are taken out by its adapter
    /// (`RedactingAdapter`).
    public func sanitised(_ result: DeliveryResult) -> DeliveryResult {
        switch result {
        case .succeeded: return result
        case .retryable(let text, let retryAfter): return .retryable(sanitised(text), retryAfter: retryAfter)
        case .terminal(let text): return .terminal(sanitised(text))
        case .awaiting(let text): return .awaiting(sanitised(text))
        }
    }

    func sanitised(_ text: String) -> String {
        let text = Redaction(secrets.values)(text)
        let bytes = text.utf8.count
        guard bytes > Self.answerLimit else { return text }
        var cut = text.utf8.index(text.utf8.startIndex, offsetBy: Self.answerLimit)
        while cut.samePosition(in: text.unicodeScalars) == nil { cut = text.utf8.index(before: cut) }
        return String(text[..<cut]) + "… (\(bytes - text.utf8.distance(from: text.startIndex, to: cut)) more bytes left out)"
    }
}
