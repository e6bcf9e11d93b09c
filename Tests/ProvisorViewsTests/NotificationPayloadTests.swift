import Foundation
import ProvisorCore
import Testing

@testable import ProvisorViews

/// What a chat channel is sent when a value comes from a hostile reseller's file or an engine:
/// Slack reads `<…>` as a link or a mention and `&` as an entity, so the text escapes them.
struct NotificationPayloadTests {
    static let hostile = "changed customer/JBL/user/alice: displayName: Alice → <!channel> <https://evil.example|click> & co"

    func context(_ kind: NotificationChannel.Kind) -> NotificationPayload.Context {
        let channel = NotificationChannel(name: "chat", kind: kind, url: "env:X", location: SourceLocation(file: "provisor.yaml", line: 1, column: 1))
        return .init(command: "drift", run: "run-1", channel: channel, at: Date(timeIntervalSince1970: 1_796_169_600))
    }

    func notice(lines count: Int) -> Notice {
        Notice(
            event: .drift, title: "\(count) new drifts found",
            lines: (0..<count).map { Notice.Line(address: .customer("JBL"), engine: "platform-eu", text: $0 == 0 ? Self.hostile : "line \($0)") })
    }

    func decoded(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func slackTextCannotMentionOrLink() throws {
        let text = try #require(try decoded(NotificationPayload.body(notice(lines: 1), context(.slack)))["text"] as? String)
        #expect(text.contains("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co"), "\(text)")
        #expect(!text.contains("<!channel>") && !text.contains("<https://"))
    }

    @Test func chatMessagesShowTwentyLinesAndSayHowManyMore() throws {
        let text = try #require(try decoded(NotificationPayload.body(notice(lines: 25), context(.slack)))["text"] as? String)
        #expect(text.contains("• line 19") && !text.contains("• line 20") && text.hasSuffix("… and 5 more"))
        let blocks = try teamsBlocks(notice(lines: 25))
        #expect(blocks.count == 22 && blocks[20].text == "- line 19" && blocks[21].text == "… and 5 more", "\(blocks.map(\.text))")
    }

    /// Each block of a Teams card: its type, and the text and weight of its one run.
    func teamsBlocks(_ notice: Notice) throws -> [(type: String, text: String, inlineType: String, bold: Bool)] {
        let card = try decoded(NotificationPayload.body(notice, context(.teams)))
        let content = try #require((card["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])
        return try (content["body"] as? [[String: Any]] ?? []).map { block in
            let inlines = try #require(block["inlines"] as? [[String: Any]])
            #expect(inlines.count == 1)
            return (
                block["type"] as? String ?? "", inlines[0]["text"] as? String ?? "", inlines[0]["type"] as? String ?? "",
                inlines[0]["weight"] as? String == "Bolder"
            )
        }
    }

    /// Adaptive Cards read a TextBlock's text as markdown: a reseller's `[text](url)` would be a
    /// link in the provider's channel. A TextRun is plain text, and control characters are
    /// written as escapes.
    @Test func aTeamsCardShowsAResellersMarkdownAsPlainText() throws {
        let link = "changed customer/JBL: name: [Pay your invoice](https://evil.example/pay) **now**\u{1B}[2J"
        let blocks = try teamsBlocks(
            Notice(event: .drift, title: "1 new drift found", lines: [Notice.Line(address: .customer("JBL"), engine: "e", text: link)]))
        #expect(blocks.allSatisfy { $0.type == "RichTextBlock" && $0.inlineType == "TextRun" }, "no TextBlock, whose text is markdown")
        #expect(blocks.map(\.bold) == [true, false])
        #expect(blocks[1].text == "- changed customer/JBL: name: [Pay your invoice](https://evil.example/pay) **now**\\u{1B}[2J")
    }

    @Test func theWebhookCarriesTheTextAsItIs() throws {
        let body = try decoded(NotificationPayload.body(notice(lines: 1), context(.webhook)))
        #expect((body["lines"] as? [[String: Any]])?.first?["text"] as? String == Self.hostile)
        #expect(body["at"] as? String == "2026-12-02T00:00:00Z" && body["run"] as? String == "run-1")
    }
}
