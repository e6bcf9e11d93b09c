import Foundation

/// Where Provisor reads the time of day: the journal, the audit log, the lock, observations,
/// imports and right-sizing's date all take one, so that no behaviour depends on the day it
/// runs.
///
/// A command makes one (the system's, or a pinned one: `rightsize --at`) and passes it to
/// everything it runs; tests pin it. Durations (timeouts, retries, progress) are measured on
/// `ContinuousClock` instead, which no change of date moves.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that reads the time from `read` each time it is asked.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The machine's clock.
    public static let system = WallClock { Date() }

    /// A clock that always reads `date`.
    public static func pinned(_ date: Date) -> WallClock {
        WallClock { date }
    }

    /// The time now, by this clock.
    public func now() -> Date {
        read()
    }
}
