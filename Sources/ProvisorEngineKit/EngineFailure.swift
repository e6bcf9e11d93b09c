/// How a handler says a message was not done. Any other error a handler throws is a terminal
/// failure with its description.
public enum EngineFailure: Error, Sendable {
    /// A temporary failure: Provisor sends the message again later with the same id, after
    /// `after` seconds when given.
    case retry(String, after: Int? = nil)
    /// A terminal failure: the message is wrong or cannot be done; Provisor reports the reason.
    case refuse(String)
}
