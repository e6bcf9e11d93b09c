import Foundation

/// The dates the simulated engine reads and writes: ISO 8601 instants in UTC.
enum SimulatedDates {
    static let instant = Date.ISO8601FormatStyle()
    static let day = Date.ISO8601FormatStyle().year().month().day()

    /// `2026-11-21T00:00:00Z`, with fractional seconds, or `2026-11-21`.
    static func parse(_ text: String) -> Date? {
        (try? instant.parse(text)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? day.parse(text))
    }

    static func text(_ date: Date) -> String { instant.format(date) }

    /// `date` moved by whole months, on the UTC calendar.
    static func adding(months count: Int, to date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: count, to: date)!
    }
}
