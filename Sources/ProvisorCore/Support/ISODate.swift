import Foundation

/// The dates right-sizing reads and writes: a day (`2026-11-21`, midnight UTC) or an instant
/// (`2026-11-21T09:00:00Z`).
public enum ISODate {
    // Format styles are values: shared across threads, and far cheaper than a formatter each time.
    private static let instant = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let calendarDay = Date.ISO8601FormatStyle().year().month().day()

    /// `2026-11-21T09:00:00Z` (fractional seconds allowed) or `2026-11-21`; nil otherwise, and
    /// nil for a date the calendar does not have (`2026-02-30` is not rolled forward to March 2)
    /// and for anything after it.
    public static func parse(_ text: String) -> Date? {
        guard
            let match = text.wholeMatch(
                of: /(\d{4})-(\d{2})-(\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?/),
            let year = Int(match.1), let month = Int(match.2), let dayOfMonth = Int(match.3),
            DateComponents(year: year, month: month, day: dayOfMonth).isValidDate(in: gregorian)
        else { return nil }
        return (try? instant.parse(text)) ?? (try? fractional.parse(text)) ?? (try? calendarDay.parse(text))
    }

    private static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The UTC day: `2026-11-21`.
    public static func day(_ date: Date) -> String { calendarDay.format(date) }
}
