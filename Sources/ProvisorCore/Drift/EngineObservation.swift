import Foundation

/// What reading one engine gave: everything it holds, or why it could not be read.
public enum EngineObservation: Sendable, Hashable {
    case observed([ObservedResource], at: Date)
    /// Unknown is not absent: nothing recorded on this engine counts as missing.
    case unreadable(String)
    /// The adapter has no way to read back (an outbox, an http engine without observeUrl): the
    /// engine is not checked, and that is not drift.
    case unsupported(String)
}
