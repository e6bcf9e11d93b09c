import Foundation
import ProvisorTesting
import Testing

/// Debian's chromium, headless: the report's pages loaded as a browser loads them.
enum HeadlessBrowser {
    static let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["PROVISOR_REQUIRE_CHROMIUM"] == "1"
    static let skipped = "no headless browser: install Debian's chromium to run the report's browser tests"
    /// Screenshots of the main pages, kept for a person to look at.
    static let artifacts = packageRoot.appendingPathComponent(".build/test-artifacts/report")

    /// Loads `url`; returns the DOM after its scripts ran, and what the browser logged.
    static func dump(_ url: URL, query: String = "") throws -> (dom: String, log: String) {
        try run(["--dump-dom", url.absoluteString + query])
    }

    static func screenshot(_ url: URL, to name: String, height: Int = 2000) throws {
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        _ = try run(["--window-size=1280,\(height)", "--screenshot=" + artifacts.appendingPathComponent(name).path, url.absoluteString])
    }

    private static func run(_ arguments: [String]) throws -> (dom: String, log: String) {
        guard let path else { throw BrowserMissing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + scratch.appendingPathComponent("profile").path,
            ] + arguments
        let log = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let dom = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: dom, as: UTF8.self), (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    struct BrowserMissing: Error, CustomStringConvertible {
        var description: String { "PROVISOR_REQUIRE_CHROMIUM=1 but \(HeadlessBrowser.skipped)" }
    }

    /// What a page logged that a person would call an error: an uncaught exception, a failed load.
    static func errors(in log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("Uncaught") || $0.contains("CONSOLE") && $0.contains("rror") }
    }
}

/// `provisor report --html DIR` on the example estate, rehearsed, and in a headless browser
/// (those tests are skipped without chromium, unless PROVISOR_REQUIRE_CHROMIUM=1, as CI sets).
@Suite(.serialized) struct ReportCommandTests {
    static let browser = Comment(rawValue: HeadlessBrowser.skipped)

    static let today = "2026-11-21"

    func report(_ rehearsal: Rehearsal, _ extra: [String] = []) throws -> Run {
        try provisor(
            ["report", "--html", "site", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines] + extra,
            in: rehearsal.directory, environment: rehearsal.environment)
    }

    func page(_ rehearsal: Rehearsal, _ path: String) throws -> String {
        try String(contentsOf: rehearsal.directory.appendingPathComponent("site/" + path), encoding: .utf8)
    }

    @Test(.enabled(if: HeadlessBrowser.path != nil || HeadlessBrowser.required, browser))
    func theSiteHasEveryCustomerTheirValuesWithSourcesThePlanDriftAndAudit() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.outOfBand("platform-ap", ["--remove", "customer/FSG/user/ivy/service/mailbox"])
            #expect(
                try provisor(
                    ["drift", "--config", "provisor.yaml", "--state", rehearsal.state, "--simulate", rehearsal.engines], in: rehearsal.directory,
                    environment: rehearsal.environment
                ).status == 2)
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "maxUsers: 25", with: "maxUsers: 30") }

            let run = try report(rehearsal)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "Wrote the report to site/: 1 overview and 9 customer pages. Open site/index.html in a browser.\n")
            let files = try FileManager.default.contentsOfDirectory(atPath: rehearsal.directory.appendingPathComponent("site/customers").path)
            #expect(files.sorted() == ["ATT", "CHC", "FSG", "HRW", "JBL", "MPA", "NXD", "RBT", "TKL"].map { $0 + ".html" })

            let index = try page(rehearsal, "index.html")
            #expect(index.contains(#"<a href="customers/JBL.html">JBL</a> Jones the Baker Ltd"#))
            #expect(index.contains("What the next reconcile sends (1)") && index.contains("settings.maxUsers"))
            #expect(index.contains("Drift as last observed (1)") && index.contains("customer/FSG/user/ivy/service/mailbox"))
            #expect(index.contains("Audit trail (132, newest first)"))
            #expect(!index.contains("http://") && !index.contains("https://"), "no request outside the site")

            let jbl = try page(rehearsal, "customers/JBL.html")
            #expect(jbl.contains("<dt>Domains</dt><dd>jonesbaker.example, jonesbaker.co.nz</dd>"), "\(jbl.prefix(3000))")
            #expect(jbl.contains("<dt>Outputs</dt><dd>tenantId=sim-platform-eu-jbl</dd>"))
            #expect(jbl.contains(#"<tr id="user-alice"><td>alice</td><td>alice@jonesbaker.example</td>"#))
            // An effective value with the level and the file:line that set it: data, laid out by the page.
            // in the page, levels and files numbered once (the browser below shows them laid out).
            #expect(jbl.contains("<script>const PROVISOR_VALUES = {"))
            #expect(jbl.contains(#"["plan.salesPrice","21.00","#) && jbl.contains(#""reseller ACME""#) && jbl.contains(#""manifests/resellers/acme.yaml""#))

            let searched = try HeadlessBrowser.dump(rehearsal.directory.appendingPathComponent("site/index.html"), query: "?q=alice@jonesbaker.example")
            #expect(
                searched.dom.contains(#"<a href="customers/JBL.html#user-alice">alice@jonesbaker.example (JBL Jones the Baker Ltd)</a>"#),
                "\(searched.dom.suffix(2000))")
            #expect(HeadlessBrowser.errors(in: searched.log).isEmpty, "\(searched.log)")
            let loaded = try HeadlessBrowser.dump(rehearsal.directory.appendingPathComponent("site/customers/JBL.html"))
            #expect(loaded.dom.contains("Jones the Baker Ltd") && HeadlessBrowser.errors(in: loaded.log).isEmpty, "\(loaded.log)")
            #expect(
                loaded.dom.contains("<tr><td>plan.salesPrice</td><td>21.00</td><td>reseller ACME</td><td>manifests/resellers/acme.yaml:16</td></tr>"),
                "\(loaded.dom.suffix(3000))")
            try HeadlessBrowser.screenshot(rehearsal.directory.appendingPathComponent("site/index.html"), to: "index.png")
            try HeadlessBrowser.screenshot(rehearsal.directory.appendingPathComponent("site/customers/JBL.html"), to: "customer-JBL.png")
        }
    }

    /// The README's 10-user example: 13 licences at $16 bought for 10 users sold at $20, 3 of
    /// them still refundable: right-sizing leaves 10, $40 a month, 20%.
    @Test(.enabled(if: HeadlessBrowser.path != nil || HeadlessBrowser.required, browser))
    func theTenUserExampleShowsFortyDollarsAndTwentyPercentAfterRightSizing() async throws {
        try await withRehearsal { rehearsal in
            var users = ""
            // Every RBT user on Business Premium (SPB), and four more: ten.
            try rehearsal.edit("customers/rbt/users.yaml") {
                $0.replacingOccurrences(of: "plan: business-standard", with: "plan: business-premium")
                    .replacingOccurrences(of: "plan: business-basic", with: "plan: business-premium")
            }
            for number in 1...4 {
                users += """
                    ---
                    apiVersion: provisor/v1
                    kind: User
                    metadata: { username: staff\(number) }
                    spec:
                      customer: RBT
                      upn: staff\(number)@riverbanktrust.example
                      firstName: Staff
                      lastName: Member \(number)
                      password: { secretRef: "env:RBT_SAM_PASSWORD" }
                      services:
                        - { service: m365, plan: business-premium }

                    """
            }
            try users.write(to: rehearsal.directory.appendingPathComponent("manifests/customers/rbt/staff.yaml"), atomically: true, encoding: .utf8)
            try rehearsal.setClock("2026-11-01")
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.outOfBand("csp-eu", ["--subscription", "sub-rbt-spb-p1m", "quantity=13", "addedAt=2026-11-19"])
            try rehearsal.setClock(Self.today)

            let run = try report(rehearsal, ["--rightsizing", "--at", Self.today])
            #expect(run.status == 0, "\(run.stderr)")
            let rbt = try page(rehearsal, "customers/RBT.html")
            #expect(rbt.contains("Customer RBT: margin after $40.00 / 20%"), "\(rbt.suffix(3000))")
            #expect(rbt.contains("<td>after</td><td>10</td><td>10</td><td>$160.00</td><td>$200.00</td><td>$40.00</td><td>20%</td>"))
            #expect(rbt.contains("<td>before</td><td>13</td><td>10</td><td>$208.00</td><td>$200.00</td><td>-$8.00</td><td>-4%</td>"))
            let shown = try HeadlessBrowser.dump(rehearsal.directory.appendingPathComponent("site/customers/RBT.html"))
            #expect(shown.dom.contains("margin after $40.00 / 20%") && HeadlessBrowser.errors(in: shown.log).isEmpty, "\(shown.log)")
            try HeadlessBrowser.screenshot(rehearsal.directory.appendingPathComponent("site/customers/RBT.html"), to: "customer-RBT-margins.png", height: 5200)
        }
    }

    @Test(.enabled(if: HeadlessBrowser.path != nil || HeadlessBrowser.required, browser)) func aScriptInAResellersFileIsText() async throws {
        try await withRehearsal { rehearsal in
            let hostile = #"Evil <script>document.title='owned'</script> "Bakery" & 'Co'"#
            try rehearsal.edit("customers/jbl/customer.yaml") {
                $0.replacingOccurrences(of: "name: Jones the Baker Ltd", with: "name: '\(hostile.replacingOccurrences(of: "'", with: "''"))'")
            }
            let run = try report(rehearsal)
            #expect(run.status == 0, "\(run.stderr)")
            let jbl = try page(rehearsal, "customers/JBL.html"), index = try page(rehearsal, "index.html")
            let escaped = "Evil &lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt; &quot;Bakery&quot; &amp; &#39;Co&#39;"
            #expect(jbl.contains(escaped) && index.contains(escaped))
            #expect(!jbl.contains("<script>document") && !index.contains("<script>document"))
            // In the script data: "<" written \u003c, so no value can close the script element.
            let search = try page(rehearsal, "search.js")
            #expect(search.contains(#"Evil \u003cscript>"#) && !search.contains("<script>"))
            #expect(jbl.contains(#"{"a":"customer/JBL","k":"customer","v":[["#) && jbl.contains(#"Evil \u003cscript>document"#))
            let loaded = try HeadlessBrowser.dump(rehearsal.directory.appendingPathComponent("site/customers/JBL.html"))
            #expect(loaded.dom.contains("<title>JBL: Evil &lt;script&gt;"), "the title is the text, not 'owned'")
            #expect(loaded.dom.contains(escaped.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")))
        }
    }

    @Test func aResellersReportHasOnlyItsSubtreeAndBadRequestsAreClear() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            let run = try report(rehearsal, ["--reseller", "KIWI"])
            #expect(run.status == 0, "\(run.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: rehearsal.directory.appendingPathComponent("site/customers").path)
            #expect(files.sorted() == ["FSG.html", "TKL.html"])
            let index = try page(rehearsal, "index.html"), search = try page(rehearsal, "search.js")
            #expect(index.contains("Provisor: Reseller KIWI") && !index.contains("JBL") && !search.contains("JBL") && !index.contains("reseller/ACME"))

            let unknown = try report(rehearsal, ["--reseller", "NOPE"])
            #expect(unknown.status == 1 && unknown.stderr == "error: no reseller 'NOPE' in the manifests (check --reseller; codes are case-sensitive)\n")
            try Data().write(to: rehearsal.directory.appendingPathComponent("file"))
            let onAFile = try provisor(
                ["report", "--html", "file", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory,
                environment: rehearsal.environment)
            #expect(onAFile.status == 1 && onAFile.stderr == "error: 'file' is a file; give --html a directory to write the report into\n")
            let at = try report(rehearsal, ["--at", Self.today])
            #expect(at.status == 64 && at.stderr.contains("--at is the date right-sizing decides for; use it with --rightsizing"))
        }
    }
}
