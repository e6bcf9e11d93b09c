/// What an engine remembers of the messages it carried out, so that one sent again (after a
/// crash, a lost answer, a resumed run) is answered with the same outputs and not done twice.
public protocol AnsweredMessages: AnyObject {
    /// The outputs `message` was answered with, when its id was carried out before.
    func answered(_ message: EngineMessage) -> [String: JSONValue]?
    /// Remembers that `id` was carried out with `outputs`; a failure to remember is reported
    /// as the message's failure (answered as done, it could be done twice).
    func remember(_ id: String, outputs: [String: JSONValue]) throws
}
