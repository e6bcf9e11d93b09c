import Testing

@testable import ProvisorCore

@Suite struct DecodingTests {
    let customerHeader = "apiVersion: provisor/v1\nkind: Customer\nmetadata: { code: NOR, name: Nordic Fjord AS }\nspec:\n  reseller: ACME\n"

    @Test func aCustomerDecodesWithEveryField() throws {
        let text =
            customerHeader + """
                  type: test
                  status: suspended
                  contact: { name: Ola, email: ola@fjord.example, phone: "+47 555" }
                  address: { street: Gate 1, city: Oslo, postalCode: "0150", country: "NO" }
                  domains: { primary: fjord.example, aliases: [fjord.no] }
                  location: { type: private, name: Basement, engine: lab }
                  settings: { maxUsers: 5, passwordPolicy: { minLength: 14, requireMFA: true } }
                  branding: { displayName: Fjord, supportEmail: help@fjord.example }
                  securityRoles: [{ name: owners, members: [ola], permissions: [billing] }]
                  protect: true
                  services: [{ service: sqldb, plan: standard, instance: prod, properties: { vCores: 4 } }]
                  overrides: { m365: { name: Fjord 365, plans: { business-basic: { salesPrice: 7.25, currency: NOK } } } }

                """
        let (manifests, diagnostics) = decode(text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard case .customer(let customer) = try #require(manifests.first) else {
            Issue.record("not a customer")
            return
        }
        #expect(customer.code.value == "NOR")
        #expect(customer.code.location == SourceLocation(file: "test.yaml", line: 3, column: 19))
        #expect(customer.type == .test && customer.status == .suspended && customer.protect)
        #expect(customer.address?.country == "NO")
        #expect(customer.address?.postalCode == "0150")
        #expect(customer.domains?.all.map(\.value) == ["fjord.example", "fjord.no"])
        #expect(customer.customerLocation.type == .private && customer.customerLocation.name == "Basement")
        #expect(customer.customerLocation.location?.line == 11)
        #expect(customer.customerLocation.engine?.value == "lab")
        #expect(customer.settings?.passwordPolicy?.minLength == 14)
        #expect(customer.securityRoles.first?.members.map(\.value) == ["ola"])
        #expect(customer.services.first?.instanceName == "prod")
        #expect(customer.services.first?.properties.first?.value.text == "4")
        #expect(customer.overrides.first?.name?.value == "Fjord 365")
        #expect(customer.overrides.first?.plans.first?.salesPrice?.value.description == "7.25")
    }

    @Test func defaultsApplyWhenFieldsAreOmitted() throws {
        let (manifests, diagnostics) = decode(customerHeader)
        #expect(diagnostics.isEmpty)
        guard case .customer(let customer) = try #require(manifests.first) else { return }
        #expect(customer.type == .standard && customer.status == .active && !customer.protect)
        #expect(customer.customerLocation.type == .platform)
    }

    @Test func aStringFieldNeverChangesItsValue() throws {
        let (manifests, diagnostics) = decode(customerHeader + "  contact: { name: no, phone: on }\n")
        #expect(diagnostics.isEmpty)
        guard case .customer(let customer) = try #require(manifests.first) else { return }
        #expect(customer.contact?.name == "no")
        #expect(customer.contact?.phone == "on")
    }

    @Test func aNumberInAStringFieldMustBeQuoted() {
        #expect(
            lines(decode(customerHeader + "  address: { postalCode: 0150 }\n").diagnostics) == [
                "6:26: error: 'postalCode' must be a string, found the number 0150 (quote it: '0150')"
            ])
    }

    @Test func propertyValuesAreTypedByTheirDefinition() {
        let value = { (text: String, style: YAMLScalar.Style) in
            PropertyValue(YAMLScalar(text, style: style), at: SourceLocation(file: "f", line: 1, column: 1))
        }
        #expect(value("no", .plain).typed(as: .string) == .success(.string("no")))
        #expect(value("42", .plain).typed(as: .integer) == .success(.integer(42)))
        #expect(value("42", .quoted).typed(as: .integer) == .failure(.mismatch(.integer, YAMLScalar("42", style: .quoted))))
        #expect(value("010", .plain).typed(as: .integer) == .failure(.leadingZero("010")))
        #expect(value("2.5", .plain).typed(as: .number) == .success(.number(2.5)))
        #expect(value("true", .plain).typed(as: .boolean) == .success(.boolean(true)))
        #expect(value("yes", .plain).typed(as: .boolean) == .failure(.mismatch(.boolean, YAMLScalar("yes", style: .plain))))
        #expect(value("gold", .plain).typed(as: .enum, allowed: ["silver"]) == .failure(.notInEnum("gold", ["silver"])))
        #expect(value("8.3", .quoted).typed(as: .enum, allowed: ["8.3"]) == .success(.string("8.3")))
    }

    @Test func allProblemsOfADocumentAreCollected() {
        let text = customerHeader + "  type: premium\n  status: enabled\n  protect: maybe\n  colour: red\n"
        #expect(
            lines(decode(text).diagnostics) == [
                "6:9: error: invalid value 'premium' for 'type' (expected one of: standard, test, demo)",
                "7:11: error: invalid value 'enabled' for 'status' (expected one of: active, suspended, disabled)",
                "8:12: error: 'protect' must be true or false, found the string \"maybe\" (write true or false)",
                "9:3: error: unknown field 'colour' in Customer spec (allowed fields: reseller, type, status, contact, address, domains, location, settings, branding, securityRoles, protect, services, overrides)",
            ])
    }

    @Test func aDocumentThatIsNotAMappingIsReported() {
        #expect(
            lines(decode("- a\n- b\n").diagnostics) == [
                "1:1: error: a manifest must be a mapping with apiVersion, kind, metadata and spec, found a list"
            ])
    }

    @Test func anchorsAndMergeKeysWorkInManifests() throws {
        let text = """
            apiVersion: provisor/v1
            kind: Service
            metadata: { code: web, name: Web }
            spec:
              scope: customer
              plans:
                small: &small { name: Small, sku: W-S, costPrice: 1.00, salesPrice: 2.00, currency: USD }
                large:
                  <<: *small
                  name: Large
                  sku: W-L

            """
        let (manifests, diagnostics) = decode(text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard case .service(let service) = try #require(manifests.first) else { return }
        #expect(service.plans.map(\.name.value) == ["Small", "Large"])
        #expect(service.plans[1].sku.value == "W-L")
        #expect(service.plans[1].currency?.value == "USD")
    }

    @Test func anHTTPEnginesReadEndpointsAreCheckedLikeItsURL() {
        let (manifests, diagnostics) = decode(
            """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: csp }
            spec:
              adapter: http
              http: { url: https://bridge.example/provision, observeUrl: https://bridge.example/observe, subscriptionsUrl: ftp://bridge.example/subs }

            """)
        #expect(lines(diagnostics) == ["6:112: error: 'subscriptionsUrl' must be an http:// or https:// address, found 'ftp://bridge.example/subs'"])
        guard case .engine(let engine)? = manifests.first else {
            Issue.record("no engine decoded")
            return
        }
        #expect(engine.http?.observeURL == "https://bridge.example/observe")
        #expect(engine.http?.subscriptionsURL == "ftp://bridge.example/subs")
    }

    @Test func anExecEnginesEnvironmentTakesValuesAndSecretReferencesOnly() {
        let (manifests, diagnostics) = decode(
            """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: microsoft }
            spec:
              adapter: exec
              exec:
                command: [provisor-engine-microsoft]
                environment:
                  MICROSOFT_PARTNER_TENANT: partner.onmicrosoft.com
                  MICROSOFT_LONGEST_WAIT_SECONDS: 5
                  MICROSOFT_APPLICATION_SECRET: { secretRef: "env:CSP_SECRET" }
                  "1BAD": x
                  LEAKED: { value: hunter2 }

            """)
        #expect(
            lines(diagnostics) == [
                "12:7: error: '1BAD' is not an environment variable name (use letters, digits and underscores, not starting with a digit)",
                "13:15: error: missing required field 'secretRef' in 'environment.LEAKED' (add 'secretRef:')",
                "13:17: error: unknown field 'value' in 'environment.LEAKED' (allowed fields: secretRef)",
            ], "\(lines(diagnostics))")
        guard case .engine(let engine)? = manifests.first else {
            Issue.record("no engine decoded")
            return
        }
        #expect(engine.exec?.environment.map(\.name) == ["MICROSOFT_PARTNER_TENANT", "MICROSOFT_LONGEST_WAIT_SECONDS", "MICROSOFT_APPLICATION_SECRET"])
        #expect(engine.exec?.environment[1].value == .text("5"))
        guard case .secret(let reference)? = engine.exec?.environment[2].value else {
            Issue.record("the secret is not a reference")
            return
        }
        #expect(reference.description == "env:CSP_SECRET")
    }

    @Test func anAMQPEngineKeepsItsPasswordOutOfGit() {
        let (manifests, diagnostics) = decode(
            """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: riverbank }
            spec:
              adapter: amqp
              amqp:
                url: amqp://provisor:hunter2@broker.example/
                password: hunter2
                certFile: client.pem
            ---
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: secure }
            spec:
              adapter: amqp
              amqp: { url: "amqps://broker.example/" }

            """)
        #expect(
            lines(diagnostics) == [
                "7:10: error: 'url' holds a password; secrets never live in git (write the address without credentials, with user: NAME and password: { secretRef: \"env:NAME\" })",
                "8:15: error: 'password' must be a secret reference, not an inline value (write password: { secretRef: \"env:NAME\" } or { secretRef: \"file:/path\" }; never commit a secret)",
                "9:15: error: a client certificate needs its key (add keyFile: the PEM file of its private key)",
                "16:16: error: an amqps:// broker needs caFile, the CA its certificate is verified against (add caFile: /etc/ssl/certs/ca-certificates.crt for a public CA, or the PEM file of your own)",
            ], "\(lines(diagnostics))")
        guard case .engine(let engine)? = manifests.first else {
            Issue.record("no engine decoded")
            return
        }
        #expect(engine.adapter == .amqp && engine.amqp?.queue == nil && engine.amqp?.password == nil)
    }

    /// A queue ending in .replies is refused where it is written; two amqp engines on one broker
    /// and queue are refused by validation, at the second one.
    @Test func anAMQPQueueIsAnEnginesOwn() throws {
        let (_, diagnostics) = decode(
            """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: mirror }
            spec:
              adapter: amqp
              amqp: { url: "amqp://broker.example/", queue: riverbank-onprem.replies }

            """)
        #expect(
            lines(diagnostics) == [
                "6:49: error: queue 'riverbank-onprem.replies' ends in .replies, which Provisor keeps for engines' answers (<queue>.replies) (name the engine's queue without that ending)"
            ], "\(lines(diagnostics))")
        // Nor one that would be another queue's owner record.
        let owner = decode(
            """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: mirror }
            spec:
              adapter: amqp
              amqp: { url: "amqp://broker.example/", queue: riverbank-onprem.owner }

            """)
        #expect(
            lines(owner.diagnostics) == [
                "6:49: error: queue 'riverbank-onprem.owner' ends in .owner, which Provisor keeps for the state a queue belongs to (<queue>.owner) (name the engine's queue without that ending)"
            ], "\(lines(owner.diagnostics))")
        let twin = """
            apiVersion: provisor/v1
            kind: Engine
            metadata: { name: riverbank-twin }
            spec:
              adapter: amqp
              amqp: { url: "amqps://mq.nexus.example:5671/provisor", caFile: ca.pem, queue: riverbank-onprem }

            """
        let found = try validateWithExamples(["twin.yaml": twin]).filter { $0.severity == .error }
        #expect(found.count == 1 && found.first?.location.fileAndLine == "twin.yaml:1", "\(found)")
        let text = found.first?.text ?? ""
        #expect(
            text.hasPrefix(
                "engines 'riverbank-onprem' and 'riverbank-twin' both use queue 'riverbank-onprem' on amqps://mq.nexus.example:5671/provisor (the first at ")
                && text.contains("engines.yaml:45): each would take the other's messages and answers (give each engine its own amqp.queue)"), "\(text)")
    }
}
