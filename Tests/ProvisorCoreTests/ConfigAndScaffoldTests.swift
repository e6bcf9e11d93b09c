import Testing

@testable import ProvisorCore

@Suite struct RepositoryConfigTests {
    @Test func theExampleConfigParses() throws {
        let bytes = Array(try String(contentsOfFile: repoPath("examples/provisor.yaml"), encoding: .utf8).utf8)
        let (config, diagnostics) = RepositoryConfig.parse(bytes, file: "provisor.yaml")
        #expect(diagnostics.isEmpty)
        #expect(config.manifests == "manifests")
        #expect(config.state == .sqlite(path: ".provisor/state.db"))
        #expect(config.safety.maxDeletes == 50)
        #expect(config.owners.map(\.reseller) == ["KIWI", "KIWI", "KIWI"])
    }

    @Test func anEmptyConfigMeansTheDefaults() {
        let (config, diagnostics) = RepositoryConfig.parse([], file: "provisor.yaml")
        #expect(diagnostics.isEmpty)
        #expect(config == RepositoryConfig())
        #expect(config.safety.maxDeletePercent == 20)
    }

    @Test func configErrorsHavePositions() {
        let text =
            "manifest: m\nstate: { postgres: { url: \"postgres://u:pw@db/provisor\" } }\nsafety: { maxDeletes: -1 }\nowners: { \"a/**\": acme }\n"
            + "delegation: { acme: { paths: [a] }, KIWI: { parent: ACME, secrets: [\"file:../x\", \"vault:y\"] } }\n"
        #expect(
            lines(RepositoryConfig.parse(Array(text.utf8), file: "provisor.yaml").diagnostics) == [
                "1:1: error: unknown field 'manifest' in provisor.yaml (did you mean 'manifests'?)",
                "2:27: error: the PostgreSQL url must be a secret reference, not an inline address (write url: \"env:PROVISOR_DATABASE_URL\" and put the address in that variable; it may hold a password)",
                "3:23: error: 'maxDeletes' must be at least 0, found -1",
                "4:9: error: 'owners' gave paths to resellers without saying which engines and secrets their files may use, so it is no longer read (rewrite it as delegation: { CODE: { parent: PARENT, paths: [...], engines: [...], secrets: [...] } }, as docs/manifests.md shows under Delegation)",
                "5:15: error: 'delegation' names 'acme', which is not a reseller code (use 2 to 16 upper-case letters and digits, starting with a letter, like JBL)",
                "5:43: error: missing required field 'paths' in delegation.KIWI (add 'paths:')",
                "5:69: error: 'file:../x' in delegation.KIWI.secrets is not a secret reference pattern (write env:NAME or env:PREFIX_* for environment variables, file:FOLDER/ for files in a folder (no '..'))",
                "5:82: error: 'vault:y' in delegation.KIWI.secrets is not a secret reference pattern (write env:NAME or env:PREFIX_* for environment variables, file:FOLDER/ for files in a folder (no '..'))",
            ])
    }

    @Test func thePostgreSQLStateIsNamedBySecretReferencesOnly() {
        let good = "state: { postgres: { url: \"env:PROVISOR_DATABASE_URL\", password: \"file:secrets/pg\" } }\n"
        let (config, diagnostics) = RepositoryConfig.parse(Array(good.utf8), file: "provisor.yaml")
        #expect(diagnostics.isEmpty)
        #expect(config.state == .postgres(url: "env:PROVISOR_DATABASE_URL", password: "file:secrets/pg"))
        let bad = "state:\n  postgres: { url: \"env:DB\", password: hunter2 }\n"
        #expect(
            lines(RepositoryConfig.parse(Array(bad.utf8), file: "provisor.yaml").diagnostics) == [
                "2:40: error: the PostgreSQL password must be a secret reference, not the password itself (write password: \"env:PGPASSWORD\" (or file:PATH) and keep the password there)"
            ])
    }

    @Test func driftIgnoreRulesParseWithTheirKind() {
        let text = "drift:\n  ignore:\n    - { kind: user, attribute: lastLogin }\n    - { attribute: tenantId }\n"
        let (config, diagnostics) = RepositoryConfig.parse(Array(text.utf8), file: "provisor.yaml")
        #expect(diagnostics.isEmpty)
        #expect(config.driftIgnore == [DriftIgnoreRule(kind: .user, attribute: "lastLogin"), DriftIgnoreRule(kind: nil, attribute: "tenantId")])
        let bad = "drift:\n  ignore:\n    - { kind: users, attribute: x }\n    - { kind: user }\n"
        #expect(
            lines(RepositoryConfig.parse(Array(bad.utf8), file: "provisor.yaml").diagnostics) == [
                "3:15: error: invalid value 'users' for 'kind' (did you mean 'user'? expected one of: reseller, customer, customer-service, user, user-service)",
                "4:7: error: missing required field 'attribute' in drift.ignore[1] (add 'attribute:')",
            ])
    }
}

@Suite struct CustomerScaffoldTests {
    @Test(arguments: [
        ("Jones the Baker Ltd", "JBL"),
        ("Harbour Road Wines", "HRW"),
        ("acme", "ACM"),
        ("Ünïcode Ärzte GmbH", "UAG"),
        ("42 Below Ltd", "C4BL"),
        ("A", "AX"),
        ("!!!", "CUST"),
    ])
    func codesComeFromInitials(_ name: String, _ code: String) {
        let generated = CustomerScaffold.generateCode(for: name, taken: [])
        #expect(generated == code)
        #expect(Format.code.matches(generated))
    }

    @Test func aTakenCodeGetsANumber() {
        #expect(CustomerScaffold.generateCode(for: "Jones the Baker Ltd", taken: ["JBL"]) == "JBL2")
        #expect(CustomerScaffold.generateCode(for: "Jones the Baker Ltd", taken: ["JBL", "JBL2", "JBL3"]) == "JBL4")
    }

    @Test func theScaffoldValidatesAgainstTheExamples() throws {
        let text = CustomerScaffold.manifest(
            code: "JBX", name: "Jones: the \"Baker\" #2", reseller: "ACME", type: .demo, domain: "jbx.example",
            contactEmail: "it@jbx.example")
        #expect(try validateWithExamples(["new.yaml": text]).isEmpty)
        let (manifests, _) = decode(text)
        guard case .customer(let customer) = manifests.first else {
            Issue.record("no customer")
            return
        }
        #expect(customer.name.value == "Jones: the \"Baker\" #2")
        #expect(customer.type == .demo)
        #expect(customer.protect)
    }
}

@Suite struct SuggestionTests {
    @Test func closestFindsTyposAndTranspositions() {
        #expect(Suggestions.closest(to: "resseller", in: ["reseller", "status"]) == "reseller")
        #expect(Suggestions.closest(to: "NEXSU", in: ["NEXUS", "ACME"]) == "NEXUS")
        #expect(Suggestions.closest(to: "zzz", in: ["reseller"]) == nil)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.nearest(to: "customer/JBX", in: ["customer/JBL", "customer/HRW", "reseller/ACME"], count: 2) == ["customer/JBL", "customer/HRW"])
    }

    @Test func diagnosticsPrintAsCompilersDo() {
        let diagnostic = Diagnostic.error(at: SourceLocation(file: "m/a.yaml", line: 12, column: 5), "bad thing", hint: "fix it")
        #expect(diagnostic.description == "m/a.yaml:12:5: error: bad thing (fix it)")
        let whole = Diagnostic.error(at: SourceLocation(file: "m/b.yaml", line: 0, column: 0), "cannot read file")
        #expect(whole.description == "m/b.yaml: error: cannot read file")
        #expect([diagnostic, whole].sorted() == [diagnostic, whole])
    }
}
