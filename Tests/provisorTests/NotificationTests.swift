import Foundation
import Testing

/// Notifications from provisor.yaml, delivered to a local receiver
/// (Tests/EngineTests/Servers/notify_receiver.py) that checks each webhook's signature.
@Suite(.serialized) struct NotificationTests {
    static let key = "hook-signing-key"

    /// A rehearsal whose provisor.yaml sends to the receiver: `ops` (a signed webhook, every
    /// event, its address a secret), `kiwi-chat` (Slack, only KIWI's subtree), `finance`
    /// (Teams, right-sizing only) and `broken` (a receiver that answers 500).
    func withReceiver(_ body: (Rehearsal, _ received: () throws -> [[String: Any]]) async throws -> Void) async throws {
        try await withRehearsal { plain in
            var rehearsal = plain
            let log = rehearsal.directory.appendingPathComponent("received.jsonl")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            try await withLocalServer("Tests/EngineTests/Servers/notify_receiver.py", environment: ["SECRET": Self.key, "LOG": log.path]) { port in
                let url = "http://127.0.0.1:\(port)"
                let config = rehearsal.directory.appendingPathComponent("provisor.yaml")
                try
                    (try String(contentsOf: config, encoding: .utf8) + """
                        notifications:
                          ops:
                            kind: webhook
                            url: env:OPS_HOOK_URL
                            signingSecret: env:OPS_HOOK_SECRET
                          kiwi-chat:
                            kind: slack
                            url: \(url)/slack-kiwi
                            reseller: KIWI
                            events: [drift, apply-failed]
                          finance:
                            kind: teams
                            url: \(url)/teams
                            events: [rightsizing]
                          broken:
                            kind: webhook
                            url: \(url)/broken
                            events: [drift]

                        """).write(to: config, atomically: true, encoding: .utf8)
                rehearsal.environmentExtras = ["OPS_HOOK_URL": "\(url)/ops", "OPS_HOOK_SECRET": Self.key]
                try await body(rehearsal) {
                    try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map {
                        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                    }
                }
            }
        }
    }

    func drift(_ rehearsal: Rehearsal) throws -> Run {
        try provisor(
            ["drift", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines], in: rehearsal.directory,
            environment: rehearsal.environment)
    }

    @Test func newDriftIsSentSignedARessellersChannelHearsItsSubtreeAndABrokenReceiverOnlyWarns() async throws {
        try await withReceiver { rehearsal, received in
            #expect(try rehearsal.reconcile().status == 0)
            #expect(try received().isEmpty, "everything applied: nothing to tell")

            try rehearsal.driftThreeWays()
            let run = try drift(rehearsal)
            #expect(run.status == 2, "the run's own status, whatever the notifications did")
            #expect(
                run.stderr.contains("warning: notification 'broken' (webhook, drift) was not delivered: it answered HTTP 500: receiver is broken."),
                "\(run.stderr)")
            let messages = try received()
            let ops = try #require(messages.first { $0["path"] as? String == "/ops" })
            #expect(ops["signature_ok"] as? Bool == true)
            let headers = ops["headers"] as! [String: String]
            #expect(headers["X-Provisor-Event"] == "drift")
            let body = ops["body"] as! [String: Any]
            #expect(body["event"] as? String == "drift" && body["command"] as? String == "drift" && body["title"] as? String == "3 new drifts found")
            let saved = rehearsal.directory.appendingPathComponent("ops.json").path
            try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: saved))
            let verdict = try schemaCheck([saved], schema: "notification.schema.json")
            #expect(verdict.contains("\"valid\": true") && !verdict.contains("\"valid\": false"), "\(verdict)")
            let lines = body["lines"] as! [[String: Any]]
            #expect(
                Set(lines.compactMap { $0["address"] as? String }) == [
                    "customer/JBL/user/alice", "customer/FSG/user/ivy/service/mailbox", "customer/JBL/user/mallory",
                ])
            // KIWI's chat hears only FSG, its customer; finance hears no drift.
            let kiwi = try #require(messages.first { $0["path"] as? String == "/slack-kiwi" })
            let text = try #require((kiwi["body"] as? [String: Any])?["text"] as? String)
            #expect(
                text.hasPrefix("*Provisor drift: 1 new drift found under KIWI*") && text.contains("customer/FSG/user/ivy/service/mailbox")
                    && !text.contains("JBL"), "\(text)")
            #expect(!messages.contains { $0["path"] as? String == "/teams" })
            #expect(messages.count == 2)

            // The same drift an hour later is not news.
            #expect(try drift(rehearsal).status == 2)
            #expect(try received().count == 2, "drift already reported is not sent again")
        }
    }

    @Test func applyFailuresAndARefusedPlanAreSentOnlyToWhoeverTheyConcern() async throws {
        try await withReceiver { rehearsal, received in
            let failed = try rehearsal.reconcile(environment: ["JBL_ALICE_PASSWORD": ""])
            #expect(failed.status == 1)
            var messages = try received()
            #expect(messages.count == 1, "JBL is not KIWI's: only ops hears it")
            let body = try #require(messages.first?["body"] as? [String: Any])
            #expect(body["event"] as? String == "apply-failed" && body["title"] as? String == "reconcile: 1 failed, 1 skipped")
            let lines = (body["lines"] as! [[String: Any]]).compactMap { $0["text"] as? String }
            #expect(
                lines.contains { $0.hasPrefix("create customer/JBL/user/alice failed: nothing sent: secret env:JBL_ALICE_PASSWORD is not set") }, "\(lines)")
            for secret in rehearsal.environment.values where secret.hasPrefix("s3cret-") {
                #expect(!(try String(contentsOf: rehearsal.directory.appendingPathComponent("received.jsonl"), encoding: .utf8)).contains(secret))
            }

            #expect(try rehearsal.reconcile().status == 0)
            for customer in ["jbl", "fsg"] {
                try FileManager.default.removeItem(at: rehearsal.directory.appendingPathComponent("manifests/customers/\(customer)"))
            }
            #expect(try rehearsal.reconcile().status == 1)
            messages = try received()
            let refused = try #require(messages.last?["body"] as? [String: Any])
            #expect(refused["event"] as? String == "plan-refused" && messages.last?["path"] as? String == "/ops")
            #expect(refused["title"] as? String == "reconcile refused the plan: nothing was applied")
            #expect(messages.count == 2, "a refusal concerns the whole estate, not one reseller's chat")
        }
    }

    @Test func rightSizingIsSentToTeamsWithTheMarginEffect() async throws {
        try await withReceiver { rehearsal, received in
            try RightsizeCommandTests().prepare(rehearsal)
            #expect(try rehearsal.rightsize(["--dry-run"]).status == 2)
            #expect(try received().isEmpty, "a dry run changes nothing and tells nothing")
            #expect(try rehearsal.rightsize().status == 0)
            let teams = try #require(try received().first { $0["path"] as? String == "/teams" })
            let body = try #require(teams["body"] as? [String: Any])
            #expect(body["type"] as? String == "message")
            let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            let card = try #require(attachment["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard")
            // Each line a RichTextBlock of one plain TextRun.
            #expect((card["body"] as! [[String: Any]]).allSatisfy { $0["type"] as? String == "RichTextBlock" })
            let texts = (card["body"] as! [[String: Any]]).compactMap { ($0["inlines"] as? [[String: Any]])?.first?["text"] as? String }
            #expect(texts.first?.hasPrefix("Provisor rightsize: right-sizing changed 5 subscriptions; monthly margin ") == true, "\(texts)")
            #expect(texts.contains { $0.contains("- decrease sub-jbl-spb-p1m (JBL): 2 assigned + 0 buffer = 2 < 5 purchased; 3 still refundable") }, "\(texts)")
            #expect(texts.last?.contains("monthly margin") == true)
        }
    }

    @Test func aBadNotificationsSectionIsAClearErrorAtItsLine() async throws {
        try await withRehearsal { rehearsal in
            let config = rehearsal.directory.appendingPathComponent("provisor.yaml")
            let original = try String(contentsOf: config, encoding: .utf8)
            for (section, expected) in [
                ("  ops:\n    kind: pager\n    url: env:X\n", "invalid value 'pager' for 'kind'"),
                (
                    "  ops:\n    kind: webhook\n    url: hooks.example/x\n",
                    "notifications.ops.url must be a secret reference or an http(s) URL, found 'hooks.example/x'"
                ),
                (
                    "  ops:\n    kind: webhook\n    url: env:X\n    signingSecret: hunter2\n",
                    "notifications.ops.signingSecret must be a secret reference, not the key itself"
                ),
                ("  ops:\n    kind: slack\n    url: env:X\n    events: [drift, drfit]\n", "invalid value 'drfit' for 'events'"),
            ] {
                try (original + "notifications:\n" + section).write(to: config, atomically: true, encoding: .utf8)
                let run = try provisor(["validate", "--config", "provisor.yaml"], in: rehearsal.directory)
                #expect(run.status == 1, "\(section)")
                #expect(run.stderr.contains("provisor.yaml:") && run.stderr.contains(expected), "\(run.stderr)")
            }

            // A reseller the manifests do not have is said, not silently never sent to.
            try (original + "notifications:\n  kiwi:\n    kind: slack\n    url: http://127.0.0.1:9/x\n    reseller: KIWII\n").write(
                to: config, atomically: true, encoding: .utf8)
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.driftThreeWays()
            let run = try drift(rehearsal)
            #expect(run.status == 2)
            #expect(
                run.stderr.contains(
                    "warning: notification 'kiwi' names reseller 'KIWII', which the manifests do not have, so nothing was sent to it (provisor.yaml:"),
                "\(run.stderr)")
        }
    }
}
