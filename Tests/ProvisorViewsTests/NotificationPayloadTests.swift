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
        let card = try decoded(NotificationPayload.body(notice(lines: 25), context(.teams)))
        let content = try #require((card["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])
        let blocks = (content["body"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(blocks.count == 2 && blocks[1].hasSuffix("… and 5 more"), "\(blocks)")
    }

    @Test func theWebhookCarriesTheTextAsItIs() throws {
        let body = try decoded(NotificationPayload.body(notice(lines: 1), context(.webhook)))
        #expect((body["lines"] as? [[String: Any]])?.first?["text"] as? String == Self.hostile)
        #expect(body["at"] as? String == "2026-12-02T00:00:00Z" && body["run"] as? String == "run-1")
    }
}
