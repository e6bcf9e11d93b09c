import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

@Suite struct ImportTests {
    static let estate = [
        "m/base.yaml": """
        apiVersion: provisor/v1
        kind: Engine
        metadata: { name: e1 }
        spec: { adapter: simulated }
        ---
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: ROOT, name: Root }
        spec: { engine: e1 }
        ---
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: lic, name: Licence }
        spec:
          scope: user
          properties:
            seat: { type: string, default: A }
            key: { type: string, capture: true, required: true }
          plans:
            monthly: { name: Alpha Monthly, sku: A, license: { sku: L1, term: P1M } }
            yearly: { name: Alpha Yearly, sku: B, license: { sku: L1, term: P1Y } }
            gamma: { name: Gamma Plan, sku: C }
        """,
        "m/c/customer.yaml": """
        apiVersion: provisor/v1
        kind: Customer
        metadata: { code: CUS, name: Customer }
        spec:
          reseller: ROOT
          domains: { primary: c.example }
        ---
        apiVersion: provisor/v1
        kind: User
        metadata: { username: ann }
        spec: { customer: CUS, upn: ann@c.example }
        ---
        apiVersion: provisor/v1
        kind: User
        metadata: { username: bob }
        spec: { customer: CUS, upn: bob@c.example }
        """,
    ]

    static func observed(_ address: String, _ attributes: [String: AttributeValue] = [:]) -> ObservedResource {
        ObservedResource(address: ResourceAddress(parsing: address)!, engine: "e1", attributes: attributes.map { Attribute(name: $0.key, value: $0.value) })
    }

    static func prepare(_ observed: [ObservedResource], files: [String: String] = estate) throws -> ImportResult {
        let source = MemorySource(files: files)
        let existing = try ManifestPipeline.run(source)
        #expect(existing.isValid, "\(existing.diagnostics)")
        return try Importer.prepare(
            Importer.Request(engines: ["e1"], observed: observed, customers: [], folder: "m/customers"),
            source: source, ownership: nil, existing: existing, recorded: .empty)
    }

    @Test func yamlStringsReadBackAsThemselvesInBlockAndFlowCollections() {
        let texts = [
            "plain", "ops@x.example", "@start", "a: b", "ends:", "a #b", "true", "null", "~", "010", "12", "1.5", "-dash", "with, comma",
            "[x]", "{y}", "quote\"s", "back\\slash", "tab\there", "line\nbreak", " lead", "trail ", "", "Café au lait", "#8B4513", "*star",
        ]
        for text in texts {
            let scalar = YAMLWriter.string(text)
            let yaml = "a: \(scalar)\nb: [\(scalar), x]\nc: { k: \(scalar), l: x }\n"
            let parsed = YAMLParser.parse(Array(yaml.utf8), file: "t.yaml")
            #expect(parsed.diagnostics.isEmpty, "\(text.debugDescription) as \(scalar): \(parsed.diagnostics)")
            guard case .mapping(let entries)? = parsed.documents.first?.root.content, entries.count == 3 else {
                Issue.record("\(text.debugDescription) as \(scalar) did not parse as a mapping")
                continue
            }
            var values: [YAMLScalar?] = [entries[0].value.scalar]
            if case .sequence(let items) = entries[1].value.content { values.append(items.first?.scalar) }
            if case .mapping(let inner) = entries[2].value.content { values.append(inner.first?.value.scalar) }
            #expect(values.count == 3 && values.allSatisfy { $0?.resolved == .string(text) }, "\(text.debugDescription) written as \(scalar)")
        }
        #expect(YAMLWriter.string("alice@jonesbaker.example") == "alice@jonesbaker.example", "an @ inside needs no quotes")
        #expect(YAMLWriter.string("true") == "\"true\"")
    }

    @Test func plansAreMatchedBySkuThenTermThenName() throws {
        let files = Self.estate
        let service = try ManifestPipeline.run(MemorySource(files: files)).estate.services[0]
        func best(_ attributes: [String: AttributeValue]) -> String {
            switch PlanMatch.best(for: Self.observed("customer/CUS/user/ann/service/lic", attributes), among: service.plans, of: "lic") {
            case .found(let plan, let how): return plan.code.value + (how.map { " (\($0))" } ?? "")
            case .none(let why): return "none: \(why)"
            }
        }
        #expect(best(["plan.license.sku": .string("L1"), "plan.license.term": .string("P1Y")]) == "yearly")
        #expect(best(["plan.license.sku": .string("L1"), "plan.name": .string("alpha monthly")]) == "monthly")
        #expect(best(["plan.license.sku": .string("L1")]) == "monthly (guessed: SKU L1 is sold by plans monthly, yearly; the first was chosen)")
        #expect(best(["plan.sku": .string("C")]) == "gamma")
        #expect(best(["plan.sku": .string("Z"), "plan.name": .string("GAMMA PLAN")]) == "gamma (mapped by name: no plan sells SKU Z)")
        #expect(best(["plan": .string("yearly")]) == "yearly (mapped by name: the engine reports no SKU)")
        #expect(
            best(["plan.sku": .string("Z"), "plan.name": .string("Delta")])
                == "none: SKU Z and name 'Delta' match no plan of service lic (its plans: monthly (L1), yearly (L1), gamma (C))")
        #expect(best([:]) == "none: the engine reports no SKU or plan name, and service lic has several plans (monthly (L1), yearly (L1), gamma (C))")
    }

    @Test func usersMatchByUPNThenByThePartBeforeTheAtAndNeverOverwrite() throws {
        let result = try Self.prepare([
            Self.observed("customer/CUS", ["name": .string("Customer")]),
            Self.observed("customer/CUS/user/ann", ["upn": .string("ANN@c.example")]),
            Self.observed("customer/CUS/user/bob", ["upn": .string("bob@c.other")]),
            Self.observed("customer/CUS/user/bobby", ["upn": .string("bob@c.example")]),
            Self.observed("customer/CUS/user/carl", ["upn": .string("carl@elsewhere.example")]),
            Self.observed("customer/CUS/user/dan"),
            Self.observed("customer/CUS/user/dan/service/lic", ["plan.sku": .string("C"), "properties.key": .string("k-1"), "properties.seat": .string("B")]),
            Self.observed("customer/CUS/user/dan/service/gone", ["plan.sku": .string("C")]),
            Self.observed("customer/CUS/user/ann/service/lic", ["plan.sku": .string("C")]),
        ])
        let customer = try #require(result.customers.first)
        #expect(customer.status == .described)
        #expect(
            customer.adopted.map(\.description) == [
                "customer/CUS", "customer/CUS/user/ann", "customer/CUS/user/bob", "customer/CUS/user/dan", "customer/CUS/user/dan/service/lic",
            ])
        let notes = customer.notes.map { "\($0.kind.rawValue) \($0.address?.description ?? "-")" }
        #expect(notes.contains("matched customer/CUS/user/bob"), "bob@c.other is bob@c.example by the part before the @: \(notes)")
        #expect(notes.contains("conflict customer/CUS/user/bobby"), "bobby's UPN is bob's, under another username")
        #expect(notes.contains("conflict customer/CUS/user/carl"), "a UPN on a domain the customer does not have")
        #expect(notes.contains("guessed customer/CUS/user/dan"))
        #expect(notes.contains("unmapped customer/CUS/user/dan/service/gone"))
        #expect(notes.contains("undescribed customer/CUS/user/ann/service/lic"), "ann's manifest exists: it is not rewritten")
        #expect(notes.contains("differs customer/CUS/user/bob"))
        let file = try #require(customer.files.first)
        #expect(customer.files.count == 1 && file.path == "m/c/users.yaml", "new users go beside the customer's manifest")
        #expect(
            file.text.hasSuffix(
                """
                ---
                apiVersion: provisor/v1
                kind: User
                metadata: { username: dan }
                spec:
                  customer: CUS
                  upn: dan@c.example  # guessed: the engine reports no UPN
                  services:
                    - { service: lic, plan: gamma, properties: { key: k-1, seat: B } }

                """), "the captured key is kept, and seat B overrides its default A")
    }

    @Test func aNewCustomerGetsItsDomainsFromItsUsersAndAResellerThatRoutesToTheEngine() throws {
        let result = try Self.prepare([
            Self.observed("customer/NEW", ["name": .string("New Co"), "reseller": .string("ROOT"), "type": .string("partner")]),
            Self.observed("customer/NEW/user/x", ["upn": .string("x@new.example")]),
            Self.observed("customer/NEW/user/y", ["upn": .string("y@new.example")]),
            Self.observed("customer/NEW/user/z", ["upn": .string("z@new.co")]),
            Self.observed("reseller/ROOT", ["name": .string("Root")]),
            Self.observed("reseller/GHOST"),
        ])
        #expect(result.resellers.adopted == [.reseller("ROOT")], "the root is described and not recorded")
        #expect(
            result.resellers.notes.map(\.message) == [
                "reseller GHOST is on e1 but in no manifest; write its Reseller manifest, then run import again to adopt it"
            ])
        let customer = try #require(result.customers.first)
        #expect(customer.status == .new && customer.adopted.count == 4)
        #expect(customer.files.map(\.path) == ["m/customers/new/customer.yaml", "m/customers/new/users.yaml"])
        #expect(
            customer.files[0].text.contains(
                """
                  reseller: ROOT
                  type: standard  # guessed: the engine's type 'partner' is not one of standard, test, demo
                  status: active  # guessed: the engine reports no status
                  domains:
                    primary: new.example  # guessed: the engine reports no domain; most users' UPNs use it
                    aliases: [new.co]  # added new.co: users' UPNs use it
                  location:
                    type: platform
                """))
        #expect(result.manifests.isValid && result.manifests.desired.resource(at: .customer("NEW"))?.engine == "e1")

        // The adoption records each resource, with an "imported" audit entry.
        let write = result.adoption(actor: "t", commit: nil, expectedSerial: 0, at: PinnedTime.date)
        #expect(
            write.audit.allSatisfy { $0.action == "imported" }
                && write.upserts.map(\.address.description)
                    == ["reseller/ROOT", "customer/NEW", "customer/NEW/user/x", "customer/NEW/user/y", "customer/NEW/user/z"]
        )
    }

    @Test func invalidDataFromTheEngineWritesNothingAndSaysWhere() throws {
        #expect(throws: ImportDraftError.self) {
            try Self.prepare([Self.observed("customer/BAD", ["name": .string("Bad"), "contact.email": .string("not-an-email")])])
        }
        do {
            _ = try Self.prepare([Self.observed("customer/BAD", ["name": .string("Bad"), "contact.email": .string("not-an-email")])])
        } catch let invalid as ImportDraftError {
            #expect(invalid.diagnostics.map(\.location.file) == ["m/customers/bad/customer.yaml"])
            #expect(invalid.diagnostics.first?.message.contains("not-an-email") == true, "\(invalid.diagnostics)")
        }
    }
}
