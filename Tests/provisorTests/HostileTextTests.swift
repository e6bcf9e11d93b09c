import Foundation
import Testing

/// Text from a (delegated) reseller's files ends up in the provider's review and terminal: a
/// one-line field with a control character is refused at its position, and a free-text value
/// that may hold one is escaped in every view, so it cannot break out of the markdown code
/// block of a pull-request comment or drive the terminal.
@Suite struct HostileTextTests {
    @Test func aControlCharacterInAOneLineFieldIsRefusedWhereItIs() throws {
        try withExampleCopy { directory in
            let users = directory.appendingPathComponent("manifests/customers/tkl/users.yaml")
            let text = try String(contentsOf: users, encoding: .utf8)
            try text.replacingOccurrences(of: "displayName: Mere Tui", with: #"displayName: "Mere\n```\n## Approved by the provider\n```""#)
                .write(to: users, atomically: true, encoding: .utf8)
            let run = try provisor(["validate", "--config", "provisor.yaml"], in: directory)
            #expect(run.status == 1)
            #expect(
                run.stdout.hasPrefix(
                    "manifests/customers/tkl/users.yaml:11:16: error: 'displayName' holds the control character U+000A (a line break, tab, ESC or the like), which a one-line value cannot hold (write it on one line, without control characters)\n"
                ), "\(run.stdout)")
        }
    }

    @Test func aFreeTextValueIsEscapedInTheMarkdownAndTerminalViews() throws {
        try withExampleCopy { directory in
            let customer = directory.appendingPathComponent("manifests/customers/jbl/customer.yaml")
            let text = try String(contentsOf: customer, encoding: .utf8)
            try text.replacingOccurrences(of: "properties: { dbName: jbl_prod }", with: #"properties: { dbName: "jbl\n```\n## Approved\u001B[2J\u0007\r" }"#)
                .write(to: customer, atomically: true, encoding: .utf8)
            let state = ["--state", directory.appendingPathComponent("state.db").path]
            let markdown = try provisor(["plan", "--config", "provisor.yaml", "--format", "markdown"] + state, in: directory)
            #expect(markdown.status == 2, "\(markdown.stderr)")
            #expect(markdown.stdout.contains(#"+     properties.dbName: jbl\n```\n## Approved\u{1B}[2J\u{7}\r"#), "\(markdown.stdout)")
            #expect(!markdown.stdout.contains("\n## Approved") && !markdown.stdout.contains("\u{1B}") && !markdown.stdout.contains("\u{7}"))
            let human = try provisor(["plan", "--config", "provisor.yaml"] + state, in: directory)
            #expect(human.stdout.contains(#"jbl\n```\n## Approved\u{1B}[2J\u{7}\r"#) && !human.stdout.contains("\u{1B}") && !human.stdout.contains("\r"))
        }
    }

    @Test func aDiagnosticQuotingAHostileValueStaysOneInertLine() throws {
        try withExampleCopy { directory in
            let customer = directory.appendingPathComponent("manifests/customers/jbl/customer.yaml")
            let text = try String(contentsOf: customer, encoding: .utf8)
            try text.replacingOccurrences(of: "properties: { dbName: jbl_prod }", with: #"properties: { dbName: jbl_prod, edition: "ent\u001B[2J\nerprise" }"#)
                .write(to: customer, atomically: true, encoding: .utf8)
            let run = try provisor(["validate", "--config", "provisor.yaml"], in: directory)
            #expect(run.status == 1)
            let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("manifests/customers/jbl/customer.yaml:") }, "\(run.stdout)")
            #expect(line.contains(#"ent\u{1B}[2J\nerprise"#), "\(line)")
            #expect(!run.stdout.contains("\u{1B}"))
        }
    }
}
