import Foundation

/// The dates right-sizing reads and writes: a day (`2026-11-21`, midnight UTC) or an instant
/// (`2026-11-21T09:00:00Z`).
public enum ISODate {
    // Format styles are values: shared across threads, and far cheaper than a formatter each time.
    private static let instant = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let calendarDay = Date.ISO8601FormatStyle().year().month().day()

    /// `2026-11-21T09:00:00Z` (fractional seconds allowed) or `2026-11-21`; nil otherwise.
    public static func parse(_ text: String) -> Date? {
        (try? instant.parse(text)) ?? (try? fractional.parse(text)) ?? (try? calendarDay.parse(text))
    }

    /// The UTC day: `2026-11-21`.
    public static func day(_ date: Date) -> String { calendarDay.format(date) }
}
