import ProvisorEngineKit

/// Why a request to Microsoft did not succeed, as the engine answers it.
public enum MicrosoftFailure: Error, Sendable, CustomStringConvertible {
    /// Terminal: Microsoft refused, or the engine cannot do what was asked; a sentence.
    case refused(String)
    /// Try again later (throttled, a server error, no answer), after `after` seconds when known.
    case retry(String, after: Int?)
    /// Not there (a 404): callers decide whether that is an error.
    case notFound(String)

    public var description: String {
        switch self {
        case .refused(let text), .retry(let text, _), .notFound(let text): text
        }
    }

    /// The kit's failure for this one.
    var engineFailure: EngineFailure {
        switch self {
        case .refused(let text), .notFound(let text): .refuse(text)
        case .retry(let text, let after): .retry(text, after: after)
        }
    }
}
