import Foundation
import ProvisorCore

/// The body a notification channel is sent, by kind:
/// - `webhook`: Provisor's own JSON (`schemas/notification.schema.json`), signed by the sender;
/// - `slack`: an incoming webhook message, `{"text": …}` in Slack's mrkdwn with `&`, `<` and `>`
///   escaped as Slack asks (api.slack.com/messaging/webhooks; api.slack.com/reference/surfaces/formatting#escaping);
/// - `teams`: a message with one Adaptive Card attachment, what Microsoft Teams' Workflows
///   ("Send webhook alerts to a channel") and Incoming Webhooks accept (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook),
///   each line a RichTextBlock of plain TextRuns, never markdown (adaptivecards.io/explorer/TextRun.html).
/// Chat messages list the first `shownLines` lines and say how many more there are.
public enum NotificationPayload {
    public struct Context: Sendable {
        public var command: String
        public var run: String
        public var channel: NotificationChannel
        public var at: Date

        public init(command: String, run: String, channel: NotificationChannel, at: Date) {
            self.command = command
            self.run = run
            self.channel = channel
            self.at = at
        }
    }

    static let shownLines = 20

    public static func body(_ notice: Notice, _ context: Context) -> String {
        switch context.channel.kind {
        case .webhook: return webhook(notice, context)
        case .slack: return slack(notice, context)
        case .teams: return teams(notice, context)
        }
    }

    static func webhook(_ notice: Notice, _ context: Context) -> String {
        var writer = JSONWriter(pretty: false)
        writer.beginObject()
        writer.member("format_version", 1)
        writer.member("event", notice.event.rawValue)
        writer.member("command", context.command)
        writer.member("run", context.run)
        writer.member("channel", context.channel.name)
        writer.member("reseller", context.channel.reseller)
        writer.member("at", StateView.timestamp(context.at))
        writer.member("title", notice.title)
        writer.key("lines")
        writer.beginArray()
        for line in notice.lines {
            writer.beginObject()
            writer.member("address", line.address?.description)
            writer.member("engine", line.engine)
            writer.member("text", line.text)
            writer.endObject()
        }
        writer.endArray()
        writer.key("margins")
        writer.beginArray()
        for line in notice.margins {
            writer.beginObject()
            writer.member("name", line.name)
            writer.member("level", line.level.rawValue)
            for (when, margin) in [("before", line.before), ("after", line.after)] {
                writer.key(when)
                writer.beginObject()
                writer.member("purchased", margin.purchased)
                writer.member("billed", margin.billed)
                writer.key("cost")
                writer.raw("\(margin.cost)")
                writer.key("revenue")
                writer.raw("\(margin.revenue)")
                writer.key("margin")
                writer.raw("\(margin.margin)")
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    static func slack(_ notice: Notice, _ context: Context) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var text = "*Provisor \(escaped(context.command)): \(escaped(notice.title))*"
        for line in notice.lines.prefix(shownLines) { text += "\n• " + escaped(line.text) }
        if notice.lines.count > shownLines { text += "\n… and \(notice.lines.count - shownLines) more" }
        if let first = notice.margins.first { text += "\n" + escaped(marginLine(first)) }
        var writer = JSONWriter(pretty: false)
        writer.beginObject()
        writer.member("text", text)
        writer.endObject()
        return writer.text
    }

    static func teams(_ notice: Notice, _ context: Context) -> String {
        var writer = JSONWriter(pretty: false)
        writer.beginObject()
        writer.member("type", "message")
        writer.key("attachments")
        writer.beginArray()
        writer.beginObject()
        writer.member("contentType", "application/vnd.microsoft.card.adaptive")
        writer.key("content")
        writer.beginObject()
        writer.member("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
        writer.member("type", "AdaptiveCard")
        writer.member("version", "1.4")
        writer.key("body")
        writer.beginArray()
        textBlock(&writer, "Provisor \(context.command): \(notice.title)", bold: true)
        for line in notice.lines.prefix(shownLines) { textBlock(&writer, "- " + line.text, bold: false) }
        if notice.lines.count > shownLines { textBlock(&writer, "… and \(notice.lines.count - shownLines) more", bold: false) }
        if let first = notice.margins.first { textBlock(&writer, marginLine(first), bold: false) }
        writer.endArray()
        writer.endObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    /// A line of plain text: a RichTextBlock's TextRun, which Adaptive Cards never read as
    /// markdown (a TextBlock would turn `[text](url)` in a reseller's value into a link in the
    /// provider's channel). Control characters are written as escapes.
    private static func textBlock(_ writer: inout JSONWriter, _ text: String, bold: Bool) {
        writer.beginObject()
        writer.member("type", "RichTextBlock")
        writer.key("inlines")
        writer.beginArray()
        writer.beginObject()
        writer.member("type", "TextRun")
        writer.member("text", text.controlCharactersEscaped)
        if bold { writer.member("weight", "Bolder") }
        writer.endObject()
        writer.endArray()
        writer.endObject()
    }

    /// "ACME: monthly margin $-8.00 (-4%) → $40.00 (20%)"
    static func marginLine(_ line: RightsizingReport.Line) -> String {
        func side(_ margin: Margin) -> String {
            MarginChart.dollars(margin.margin) + (margin.marginPercent.map { " (\(MarginChart.percent($0)))" } ?? "")
        }
        return "\(line.name): monthly margin \(side(line.before)) → \(side(line.after))"
    }
}
