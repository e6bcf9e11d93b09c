import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// provisor-engine-microsoft end to end against the stand-in of Partner Center and Graph
/// (engines/microsoft/standin.py), on examples/microsoft: a tenant of ten users on Business
/// Premium. Nothing reaches the internet; the stand-in pages users four at a time so that every
/// reading follows @odata.nextLink.
@Suite(.serialized) struct MicrosoftEngineTests {
    static let secret = "application-secret-for-tests"

    struct StandIn {
        var port: Int
        var directory: URL
        var log: URL
        var environment: [String: String]

        var config: String { directory.appendingPathComponent("provisor.yaml").path }

        func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
            try provisor(arguments + ["--config", config], in: directory, environment: environment.merging(extra) { $1 })
        }

        @discardableResult
        func control(_ what: String, _ body: [String: Any] = [:]) async throws -> [String: Any] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_standin/\(what)")!)
            request.httpMethod = "POST"
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            let (data, _) = try await URLSession.shared.data(for: request)
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }

        /// What Microsoft holds now.
        func state() async throws -> (customers: [[String: Any]], subscriptions: [[String: Any]], users: [[String: Any]]) {
            let state = try await control("state")
            let subscriptions = (state["subscriptions"] as? [String: [[String: Any]]] ?? [:]).values.flatMap { $0 }
            let users = (state["users"] as? [String: [String: [String: Any]]] ?? [:]).values.flatMap { $0.values }
            return (state["customers"] as? [[String: Any]] ?? [], subscriptions, users)
        }

        func requests() throws -> [[String: Any]] {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }

        /// The engine program itself on `lines`, one answer line each, with a stand-in control
        /// between lines when given.
        func engine(_ steps: [(line: String, before: String?)], environment extra: [String: String] = [:]) async throws -> [[String: Any]] {
            let process = Process()
            process.executableURL = provisorBinary.deletingLastPathComponent().appendingPathComponent("provisor-engine-microsoft")
            process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(extra) { $1 }) { $1 }
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var answers: [[String: Any]] = []
            var buffer = Data()
            for step in steps {
                if let control = step.before { try await self.control(control) }
                input.fileHandleForWriting.write(Data((step.line + "\n").utf8))
                while !buffer.contains(0x0A) {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
                guard let end = buffer.firstIndex(of: 0x0A) else { break }
                answers.append(try JSONSerialization.jsonObject(with: buffer[..<end]) as! [String: Any])
                buffer.removeSubrange(...end)
            }
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            return answers
        }
    }

    /// A copy of examples/microsoft and a stand-in accepting its engine's credentials.
    func withStandIn(subscriptionBudget: Int = 500, _ body: (StandIn) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            for item in ["manifests", "provisor.yaml"] {
                try FileManager.default.copyItem(
                    at: packageRoot.appendingPathComponent("examples/microsoft/\(item)"), to: directory.appendingPathComponent(item))
            }
            let log = directory.appendingPathComponent("standin.jsonl")
            let environment = [
                "STANDIN_PARTNER_TENANT": "nexuscloud.onmicrosoft.com", "STANDIN_CLIENT_ID": "6f1c8e2a-4b7d-4e0a-9c55-2d1f0b3a7e91",
                "STANDIN_CLIENT_SECRET": Self.secret, "STANDIN_PAGE_SIZE": "4", "STANDIN_LOG": log.path,
                "STANDIN_SUBSCRIPTION_BUDGET": "\(subscriptionBudget)",
            ]
            try await withLocalServer("engines/microsoft/standin.py", environment: environment) { port in
                let base = "http://127.0.0.1:\(port)"
                try await body(
                    StandIn(
                        port: port, directory: directory, log: log,
                        environment: [
                            "MICROSOFT_LOGIN_URL": base, "MICROSOFT_PARTNER_CENTER_URL": base, "MICROSOFT_GRAPH_URL": base,
                            "MICROSOFT_APPLICATION_SECRET": Self.secret, "MICROSOFT_PARTNER_TENANT": "nexuscloud.onmicrosoft.com",
                            "MICROSOFT_APPLICATION_ID": "6f1c8e2a-4b7d-4e0a-9c55-2d1f0b3a7e91", "CBK_PASSWORD": "Only-for-tests-1",
                        ]))
            }
        }
    }

    /// The hex SHA-256 of `text`, by coreutils' sha256sum.
    static func sha256(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    static func licences(_ user: [String: Any]) -> Int { (user["assignedLicenses"] as? [Any])?.count ?? 0 }

    @Test func aTenantWithTenUsersGetsTenLicencesBoughtAndAssignedAndARemovedUserFreesOne() async throws {
        try await withStandIn { standIn in
            // Twice a licence found free is taken by someone else before it is assigned.
            try await standIn.control("take-licences", ["count": 2])
            let applied = try standIn.run(["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            #expect(applied.stdout.contains("Apply: 22 succeeded, 0 failed, 0 skipped."), "\(applied.stdout)")
            #expect(try standIn.requests().filter { $0["taken"] as? Bool == true }.count == 2)
            #expect(try standIn.requests().filter { $0["path"] as? String == "/v1.0/$batch" }.count == 10, "the user and the SKUs read in one batch")
            var microsoft = try await standIn.state()
            #expect(microsoft.customers.map { ($0["companyProfile"] as? [String: Any])?["domain"] as? String } == ["cbk.onmicrosoft.com"])
            #expect(microsoft.users.count == 10 && microsoft.users.allSatisfy { Self.licences($0) == 1 && $0["usageLocation"] as? String == "DE" })
            #expect(microsoft.subscriptions.map { $0["quantity"] as? Int } == [10], "one licence bought per user, on one subscription")
            #expect(microsoft.subscriptions.first?["termDuration"] as? String == "P1M")
            let ordered = try standIn.requests().filter { $0["method"] as? String == "POST" && ($0["path"] as? String ?? "").hasSuffix("/orders") }
            #expect(ordered.count == 1, "the subscription is ordered once, then its quantity raised")

            // Read back through the paged users: nothing drifted, nothing to send.
            let drift = try standIn.run(["drift"])
            #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
            #expect(try standIn.requests().filter { $0["path"] as? String == "/v1.0/users" && $0["method"] as? String == "GET" }.count >= 3)
            let plan = try standIn.run(["plan"])
            #expect(plan.status == 0, "\(plan.stdout)")

            // jonas leaves: his licence is taken back, his account deleted, and the licence stays
            // bought (right-sizing's job) — free for the next user.
            let users = standIn.directory.appendingPathComponent("manifests/contoso-bakery.yaml")
            var text = try String(contentsOf: users, encoding: .utf8)
            text = String(text[..<text.range(of: "---\napiVersion: provisor/v1\nkind: User\nmetadata: { username: jonas }")!.lowerBound])
            try text.write(to: users, atomically: true, encoding: .utf8)
            let removed = try standIn.run(["reconcile", "--actor", "test"])
            #expect(removed.status == 0 && removed.stdout.contains("Apply: 2 succeeded"), "\(removed.stdout)\(removed.stderr)")
            microsoft = try await standIn.state()
            #expect(microsoft.users.count == 9 && !microsoft.users.contains { $0["userPrincipalName"] as? String == "jonas@contosobakery.example" })
            #expect(microsoft.subscriptions.first?["quantity"] as? Int == 10)

            // Every licence was bought today, inside the cancellation window: taken back at once.
            let rightsize = try standIn.run(["rightsize", "--dry-run"])
            #expect(rightsize.status == 2 && rightsize.stdout.contains("10 → 9\n"), "\(rightsize.stdout)\(rightsize.stderr)")
            let rightsized = try standIn.run(["rightsize", "--actor", "nightly"])
            #expect(rightsized.status == 0, "\(rightsized.stdout)\(rightsized.stderr)")
            let subscription = try #require(try await standIn.state().subscriptions.first)
            #expect(subscription["quantity"] as? Int == 9 && subscription["scheduledNextTermInstructions"] is NSNull, "\(subscription)")
        }
    }

    /// A tenant bought a month ago with one licence per user, then 2 licences bought two days
    /// ago and 1 ten days ago: 13 for 10 users. Partner Center takes back only the 2 still in
    /// the cancellation window; the third is scheduled off at the renewal.
    @Test func rightSizingDecreasesInsideTheWindowAndSchedulesTheRenewalOutsideIt() async throws {
        try await withStandIn { standIn in
            let names = ["anna", "ben", "clara", "david", "emma", "felix", "greta", "hans", "ida", "jonas"]
            let made = try await standIn.control(
                "customer",
                [
                    "domain": "cbk.onmicrosoft.com", "companyName": "Contoso Bakery GmbH", "country": "DE",
                    "users": names.map { ["userPrincipalName": "\($0)@contosobakery.example", "displayName": $0, "usageLocation": "DE", "licenses": ["SPB"]] },
                ])
            let tenant = try #require(made["id"] as? String)
            try await standIn.control("purchase", ["tenant": tenant, "sku": "SPB", "quantity": 2, "daysAgo": 2])
            try await standIn.control("purchase", ["tenant": tenant, "sku": "SPB", "quantity": 1, "daysAgo": 10])

            let adopted = try standIn.run(["reconcile", "--actor", "test"])
            #expect(adopted.status == 0 && adopted.stdout.contains("Apply: 22 succeeded"), "\(adopted.stdout)\(adopted.stderr)")
            #expect(try await standIn.state().subscriptions.first?["quantity"] as? Int == 13, "adopting buys nothing")

            let planned = try standIn.run(["rightsize", "--dry-run"])
            #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
            #expect(planned.stdout.contains("13 → 11") && planned.stdout.contains("renews with 10"), "\(planned.stdout)")
            let applied = try standIn.run(["rightsize", "--actor", "nightly"])
            #expect(applied.status == 0 && applied.stdout.contains("Applied: 1 adjusted, 0 failed."), "\(applied.stdout)\(applied.stderr)")
            let subscription = try #require(try await standIn.state().subscriptions.first)
            #expect(subscription["quantity"] as? Int == 11)
            #expect((subscription["scheduledNextTermInstructions"] as? [String: Any])?["quantity"] as? Int == 10)
            let again = try standIn.run(["rightsize", "--dry-run"])
            #expect(again.status == 0 && again.stdout.contains("Every subscription is right-sized."), "\(again.stdout)")

            // Asked for a decrease past the window anyway, Microsoft's refusal is the answer.
            let id = try #require(subscription["id"] as? String)
            let message = """
                {"id":"pm-refused","action":"adjust-subscription","kind":"subscription","address":"customer/CBK/subscription/\(id)",\
                "engine":"microsoft","customer":{"code":"CBK","engine":"microsoft","domains":{},"location":{"type":"platform"}},\
                "subscription":{"id":"\(id)","sku":"SPB","term":"P1M","quantity":9,"renewalQuantity":9},"attributes":{"quantity":9}}
                """
            let answers = try await standIn.engine([(message, nil)])
            #expect(answers.first?["status"] as? String == "failed")
            let error = answers.first?["error"] as? String ?? ""
            #expect(error.contains("Partner Center refused the quantity 9") && error.contains("(error 800090)"), "\(error)")
            #expect(try await standIn.state().subscriptions.first?["quantity"] as? Int == 11, "nothing changed")
        }
    }

    @Test func throttlingIsWaitedOutOrAnsweredRetryableAndAnExpiredTokenIsRenewed() async throws {
        try await withStandIn { standIn in
            try await standIn.control("throttle", ["count": 3, "retryAfter": 1])
            let applied = try standIn.run(["reconcile", "--actor", "test"])
            #expect(applied.status == 0 && applied.stdout.contains("Apply: 22 succeeded"), "\(applied.stdout)\(applied.stderr)")
            let throttled = try standIn.requests().filter { $0["status"] as? Int == 429 }
            #expect(throttled.count == 3)

            // A Retry-After longer than the engine waits: answered retryable, with the time.
            let user = """
                {"id":"pm-rename","action":"update","kind":"user","address":"customer/CBK/user/anna","engine":"microsoft",\
                "customer":{"code":"CBK","engine":"microsoft","domains":{},"location":{"type":"platform"}},\
                "attributes":{"upn":"anna@contosobakery.example","displayName":"Anna B."},"previous":{"displayName":null}}
                """
            try await standIn.control("throttle", ["count": 1, "retryAfter": 120])
            let slow = try await standIn.engine([(user, nil)])
            #expect(slow.first?["status"] as? String == "retryable" && slow.first?["retryAfterSeconds"] as? Int == 120, "\(slow)")

            // One engine process: a token, then every token expires, then the next request
            // gets a 401, a new token and goes through.
            let answers = try await standIn.engine([(user, nil), (user.replacingOccurrences(of: "pm-rename", with: "pm-rename-2"), "expire-tokens")])
            #expect(answers.map { $0["status"] as? String } == ["succeeded", "succeeded"], "\(answers)")
            let expired = try standIn.requests().filter { $0["expired"] as? Bool == true }
            #expect(!expired.isEmpty, "the stale token was refused once")
            #expect(try await standIn.state().users.contains { $0["displayName"] as? String == "Anna B." })
        }
    }

    @Test func aTenantWithoutARelationshipAndWrongCredentialsAreRefusedWithWhatToDo() async throws {
        try await withStandIn { standIn in
            try await standIn.control("customer", ["domain": "cbk.onmicrosoft.com", "companyName": "Contoso Bakery GmbH", "relationship": false])
            let refused = try standIn.run(["reconcile", "--actor", "test"])
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            let output = refused.stdout + refused.stderr
            #expect(output.contains("granular delegated admin relationship"), "\(output)")
            #expect(try await standIn.state().users.isEmpty, "nothing was made in a tenant the partner may not manage")

            let wrong = try standIn.run(["drift"], environment: ["MICROSOFT_APPLICATION_SECRET": "not-the-secret"])
            #expect(wrong.status == 2, "the engine is unknown: \(wrong.stdout)\(wrong.stderr)")
            #expect((wrong.stdout + wrong.stderr).contains("AADSTS7000215: Invalid client secret provided"), "\(wrong.stdout)\(wrong.stderr)")
            #expect(!(wrong.stdout + wrong.stderr).contains("not-the-secret"))

            let unconfigured = try await standIn.engine(
                [(#"{"id":"x","action":"provision","kind":"customer","address":"customer/CBK","attributes":{}}"#, nil)],
                environment: ["MICROSOFT_APPLICATION_ID": ""])
            #expect(
                unconfigured.first?["error"] as? String
                    == "the Microsoft engine is not configured: MICROSOFT_APPLICATION_ID is not set; give it in the Engine manifest's exec.environment (the secret as a secretRef)"
            )
        }
    }

    @Test func aTenantOnlyInMicrosoftIsImportedAndThenNothingIsToBeSent() async throws {
        try await withStandIn { standIn in
            let applied = try standIn.run(["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            try await standIn.control(
                "customer",
                [
                    "domain": "hbf.onmicrosoft.com", "companyName": "Harbour Freight", "country": "DE",
                    "users": ["kate", "liam"].map {
                        [
                            "userPrincipalName": "\($0)@harbourfreight.example", "displayName": $0.capitalized, "givenName": $0.capitalized,
                            "usageLocation": "DE", "licenses": ["SPB"],
                        ]
                    },
                ])
            let imported = try standIn.run(["import", "--engine", "microsoft", "--actor", "test"])
            #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
            let manifests = try FileManager.default.subpathsOfDirectory(atPath: standIn.directory.appendingPathComponent("manifests").path)
            #expect(manifests.contains { $0.hasPrefix("customers/hbf") }, "\(manifests)")
            let plan = try standIn.run(["plan"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            let drift = try standIn.run(["drift"])
            #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        }
    }

    /// The application secret and a password full of JSON and shell metacharacters travel
    /// intact, and neither is ever printed, journalled or logged; a secret that cannot be read
    /// stops the engine before anything is sent.
    @Test func secretsArriveIntactAndNeverLeak() async throws {
        try await withStandIn { standIn in
            let password = "p\"a\\s s\n<w>&'$(rm -rf)`;{}"
            let applied = try standIn.run(["reconcile", "--actor", "test"], environment: ["CBK_PASSWORD": password])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            let state = try await standIn.control("state")
            let hashes = Set((state["passwords"] as? [String: String] ?? [:]).values)
            let expected = try Self.sha256(password)
            #expect(hashes == [expected], "every user got the password exactly as the secret holds it")

            let history = try standIn.run(["history", "customer/CBK/user/anna"])
            let journal = try ["state.db", "state.db-wal"].map { standIn.directory.appendingPathComponent(".provisor/\($0)") }
                .filter { FileManager.default.fileExists(atPath: $0.path) }.map { try String(contentsOf: $0, encoding: .isoLatin1) }.joined()
            let log = try String(contentsOf: standIn.log, encoding: .utf8)
            for text in [applied.stdout, applied.stderr, history.stdout, journal, log] {
                #expect(!text.contains(password) && !text.contains(Self.secret))
            }

            let users = standIn.directory.appendingPathComponent("manifests/contoso-bakery.yaml")
            try (try String(contentsOf: users, encoding: .utf8)).replacingOccurrences(of: "Ida", with: "Idalina").write(
                to: users, atomically: true, encoding: .utf8)
            let before = try standIn.requests().count
            var environment = standIn.environment
            environment["MICROSOFT_APPLICATION_SECRET"] = nil
            environment["CBK_PASSWORD"] = password
            let missing = try provisor(["reconcile", "--actor", "test", "--config", standIn.config], in: standIn.directory, environment: environment)
            #expect(missing.status == 1, "\(missing.stdout)\(missing.stderr)")
            #expect(
                (missing.stdout + missing.stderr).contains("nothing sent: the environment variable MICROSOFT_APPLICATION_SECRET of engine 'microsoft'"),
                "\(missing.stdout)\(missing.stderr)")
            #expect(try standIn.requests().count == before, "the engine never started")
        }
    }

    /// Deprovisioning a customer: what is still inside the cancellation window is cancelled and
    /// the relationship removed; a subscription past it is set not to renew, and the customer is
    /// refused with the date it ends.
    @Test func aDeprovisionedCustomerIsCancelledWithinTheWindowAndRefusedPastIt() async throws {
        try await withStandIn { standIn in
            let applied = try standIn.run(["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            let users = standIn.directory.appendingPathComponent("manifests/contoso-bakery.yaml")
            let kept = try String(contentsOf: users, encoding: .utf8)
            try FileManager.default.removeItem(at: users)
            let removed = try standIn.run(["reconcile", "--actor", "test", "--allow-deletes", "21"])
            #expect(removed.status == 0 && removed.stdout.contains("Apply: 21 succeeded"), "\(removed.stdout)\(removed.stderr)")
            var microsoft = try await standIn.state()
            #expect(microsoft.users.isEmpty)
            #expect(microsoft.subscriptions.map { $0["status"] as? String } == ["deleted"], "bought today: cancelled")
            #expect(microsoft.customers.map { $0["relationshipToPartner"] as? String } == ["none"])

            // The same customer again, adopting a tenant whose licences were bought a month ago.
            try kept.replacingOccurrences(of: "code: CBK", with: "code: OLD").replacingOccurrences(of: "customer: CBK", with: "customer: OLD")
                .write(to: users, atomically: true, encoding: .utf8)
            try await standIn.control(
                "customer",
                [
                    "domain": "old.onmicrosoft.com", "companyName": "Contoso Bakery GmbH", "country": "DE",
                    "users": ["anna", "ben"].map { ["userPrincipalName": "\($0)@contosobakery.example", "usageLocation": "DE", "licenses": ["SPB"]] },
                ])
            let adopted = try standIn.run(["reconcile", "--actor", "test"])
            #expect(adopted.status == 0, "\(adopted.stdout)\(adopted.stderr)")
            try FileManager.default.removeItem(at: users)
            let refused = try standIn.run(["reconcile", "--actor", "test", "--allow-deletes", "21"])
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            let output = refused.stdout + refused.stderr
            #expect(output.contains("customer/OLD cannot be removed from Partner Center yet: Microsoft 365 Business Premium"), "\(output)")
            #expect(output.contains("past the 7-day cancellation window) no longer renews and ends on"), "\(output)")
            microsoft = try await standIn.state()
            let old = microsoft.subscriptions.filter { $0["status"] as? String == "active" }
            #expect(old.count == 1 && old.first?["autoRenewEnabled"] as? Bool == false, "\(old)")
            #expect(
                microsoft.customers.contains {
                    ($0["companyProfile"] as? [String: Any])?["domain"] as? String == "old.onmicrosoft.com"
                        && $0["relationshipToPartner"] as? String == "reseller"
                })
        }
    }

    /// A user moved to another plan: the new SKU is bought and assigned and the old one taken
    /// back in the same assignLicense request.
    @Test func aPlanChangeSwapsTheLicence() async throws {
        try await withStandIn { standIn in
            let applied = try standIn.run(["reconcile", "--actor", "test"])
            #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
            let users = standIn.directory.appendingPathComponent("manifests/contoso-bakery.yaml")
            let text = try String(contentsOf: users, encoding: .utf8)
            let ida = try #require(text.range(of: "metadata: { username: ida }"))
            let plan = try #require(text.range(of: "plan: business-premium", range: ida.upperBound..<text.endIndex))
            try text.replacingCharacters(in: plan, with: "plan: business-standard").write(to: users, atomically: true, encoding: .utf8)
            let changed = try standIn.run(["reconcile", "--actor", "test"])
            #expect(changed.status == 0 && changed.stdout.contains("Apply: 1 succeeded"), "\(changed.stdout)\(changed.stderr)")
            let microsoft = try await standIn.state()
            let licences = microsoft.users.first { $0["userPrincipalName"] as? String == "ida@contosobakery.example" }?["assignedLicenses"] as? [[String: Any]]
            #expect(licences?.map { $0["skuId"] as? String } == ["f245ecc8-75af-4f8e-b61f-27d8114de5f3"], "only Business Standard: \(licences ?? [])")
            #expect(microsoft.subscriptions.compactMap { $0["quantity"] as? Int }.sorted() == [1, 10], "one Standard bought, Premium kept for right-sizing")
            let drift = try standIn.run(["drift"])
            #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        }
    }

    /// Partner Center allows so many subscription requests a minute per customer tenant: the
    /// engine stops at its budget and answers retryable rather than be refused.
    /// Licences reach Graph's subscribedSkus after the order (PC dev/create-an-order: provisioning
    /// is asynchronous). The engine answered "retryable" for a licence it was still buying, then
    /// bought a second one on the retry: one user, two licences bought, none assigned.
    @Test func aRetriedLicenceThatIsStillArrivingIsNeverBoughtTwice() async throws {
        try await withStandIn { standIn in
            let made = try await standIn.control(
                "customer", ["domain": "cbk.onmicrosoft.com", "users": [["userPrincipalName": "anna@contosobakery.example", "usageLocation": "DE"]]])
            let tenant = try #require(made["id"] as? String)
            try await standIn.control("licence-lag", ["seconds": 3600])
            let assign = """
                {"id":"pm-anna-spb","action":"provision","kind":"user-service","address":"customer/CBK/user/anna/service/m365",\
                "engine":"microsoft","customer":{"code":"CBK","engine":"microsoft","domains":{},"location":{"type":"platform"},\
                "outputs":{"tenantId":"\(tenant)"}},"user":{"upn":"anna@contosobakery.example","username":"anna"},\
                "attributes":{"plan.license.sku":"SPB","plan.license.term":"P1M","properties.usageLocation":"DE"}}
                """
            let waiting = try await standIn.engine([(assign, nil), (assign, nil), (assign, nil)])
            #expect(waiting.map { $0["status"] as? String } == ["retryable", "retryable", "retryable"], "\(waiting)")
            #expect((waiting.last?["error"] as? String ?? "").contains("1 SPB licence was bought and has not reached tenant \(tenant) yet"))
            var microsoft = try await standIn.state()
            #expect(microsoft.subscriptions.map { $0["quantity"] as? Int } == [1], "bought once, whatever the retries")

            // Arrived: the same message assigns it, and buys nothing more.
            try await standIn.control("licence-lag", ["seconds": 0])
            let assigned = try await standIn.engine([(assign, nil)])
            #expect(assigned.first?["status"] as? String == "succeeded", "\(assigned)")
            microsoft = try await standIn.state()
            #expect(microsoft.subscriptions.map { $0["quantity"] as? Int } == [1])
            #expect(microsoft.users.map(Self.licences) == [1])
        }
    }

    @Test func thePartnerCenterBudgetPerTenantIsKept() async throws {
        try await withStandIn(subscriptionBudget: 4) { standIn in
            let made = try await standIn.control(
                "customer",
                ["domain": "cbk.onmicrosoft.com", "users": ["anna", "ben"].map { ["userPrincipalName": "\($0)@contosobakery.example", "licenses": ["SPB"]] }])
            let tenant = try #require(made["id"] as? String)
            let state = try await standIn.control("state")
            let id = try #require(((state["subscriptions"] as? [String: [[String: Any]]])?[tenant]?.first)?["id"] as? String)
            // The first reads and schedules the renewal (2 requests), the next two read (1 each).
            let adjust = { (number: Int) in
                """
                {"id":"pm-\(number)","action":"adjust-subscription","kind":"subscription","address":"customer/CBK/subscription/\(id)",\
                "engine":"microsoft","customer":{"code":"CBK","engine":"microsoft","domains":{},"location":{"type":"platform"},\
                "outputs":{"tenantId":"\(tenant)"}},"subscription":{"id":"\(id)","quantity":2,"renewalQuantity":1},"attributes":{}}
                """
            }
            let answers = try await standIn.engine(
                (1...4).map { (adjust($0), nil) }, environment: ["MICROSOFT_PARTNER_CENTER_BUDGET": "4"])
            #expect(answers.prefix(3).map { $0["status"] as? String } == ["succeeded", "succeeded", "succeeded"], "\(answers)")
            #expect(answers.last?["status"] as? String == "retryable", "\(answers)")
            #expect((answers.last?["error"] as? String ?? "").contains("budget of 4 requests a minute for tenant \(tenant) is spent"))
            #expect(try standIn.requests().allSatisfy { $0["status"] as? Int != 429 }, "Partner Center never had to refuse")
        }
    }
}
