import Foundation
import Testing

@testable import ProvisorCore

/// A small estate built for resolution: ROOT → MID → NEAR, customer CUS under NEAR with user
/// ann, and a user-scope service `box` whose properties are each set by one more level than the
/// one before, so every precedence step shows in one resolved resource.
enum Ladder {
    static let engines = ["root-engine", "near-engine", "private-engine", "shared-engine", "box-engine"].map { name in
        "apiVersion: provisor/v1\nkind: Engine\nmetadata: { name: \(name) }\nspec: { adapter: simulated }\n"
    }.joined(separator: "---\n")

    static let service = """
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: box, name: Box }
        spec:
          scope: user
          properties:
            byService:    { type: string, default: service }
            byPlan:       { type: string, default: service }
            byRoot:       { type: string, default: service }
            byMid:        { type: string, default: service }
            byNear:       { type: string, default: service }
            byCustomer:   { type: string, default: service }
            byUser:       { type: string, default: service }
            byAssignment: { type: string, default: service }
            atOneLevel:   { type: string, default: service }
            lockedAtRoot: { type: string, default: service }
          plans:
            gold:
              name: Gold
              sku: GLD
              costPrice: 10.00
              salesPrice: 15.00
              currency: USD
              properties: { byPlan: plan, byRoot: plan, byMid: plan, byNear: plan, byCustomer: plan, byUser: plan, byAssignment: plan }
            silver: { name: Silver, sku: SLV }
        ---
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: db, name: Database }
        spec:
          scope: customer
          multiInstance: true
          properties:
            dbName: { type: string, pattern: "{customer.code}_{instance}" }
            label:  { type: string, pattern: "{properties.dbName}@{customer.domain}/{service.code}" }
            size:   { type: integer, default: 5 }

        """

    static let resellers = """
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: ROOT, name: Root }
        spec:
          engine: root-engine
          overrides:
            box:
              name: Root Box
              properties: { byRoot: root, byMid: root, byNear: root, byCustomer: root, byUser: root, byAssignment: root, lockedAtRoot: root }
              locked: [lockedAtRoot]
              plans:
                gold: { name: Root Gold, salesPrice: 16.50 }
        ---
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: MID, name: Mid }
        spec:
          parent: ROOT
          services: [box, db]
          overrides:
            box:
              properties: { byMid: mid, byNear: mid, byCustomer: mid, byUser: mid, byAssignment: mid }
              plans:
                gold: { sku: MID-GLD }
        ---
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: NEAR, name: Near }
        spec:
          parent: MID
          engine: near-engine
          overrides:
            box:
              plans:
                gold: { name: Near Gold, properties: { atOneLevel: near-plan } }
              properties: { byNear: near, byCustomer: near, byUser: near, byAssignment: near, atOneLevel: near-service }

        """

    static let customer = """
        apiVersion: provisor/v1
        kind: Customer
        metadata: { code: CUS, name: Customer }
        spec:
          reseller: NEAR
          domains: { primary: cus.example }
          services:
            - { service: db, instance: prod }
            - { service: db, instance: test, properties: { dbName: explicit } }
          overrides:
            box: { properties: { byCustomer: customer, byUser: customer, byAssignment: customer } }
        ---
        apiVersion: provisor/v1
        kind: User
        metadata: { username: ann }
        spec:
          customer: CUS
          upn: ann@cus.example
          password: { secretRef: "env:ANN_PASSWORD" }
          overrides:
            box: { properties: { byUser: user, byAssignment: user } }
          services:
            - { service: box, plan: gold, properties: { byAssignment: assignment } }

        """

    static var files: [String: String] {
        ["engines.yaml": engines, "services.yaml": service, "resellers.yaml": resellers, "customer.yaml": customer]
    }

    static func run(_ extra: [String: String] = [:], replacing: [String: String] = [:]) throws -> ManifestPipeline.Report {
        var files = files.merging(replacing) { $1 }
        files.merge(extra) { $1 }
        return try ManifestPipeline.run(MemorySource(files: files))
    }
}

extension DesiredResource {
    func text(_ name: String) -> String? { self[name]?.description }
}

@Suite struct ResolutionTests {
    let box = ResourceAddress(parsing: "customer/CUS/user/ann/service/box")!

    @Test func everyPrecedenceStepBeatsTheOneBefore() throws {
        let report = try Ladder.run()
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let resource = try #require(report.desired.resource(at: box))
        let expected = [
            "byService": "service", "byPlan": "plan", "byRoot": "root", "byMid": "mid", "byNear": "near",
            "byCustomer": "customer", "byUser": "user", "byAssignment": "assignment",
        ]
        for (property, value) in expected {
            #expect(resource.text("properties.\(property)") == value, "\(property)")
        }
    }

    @Test func explainListsEveryReplacedValueMostRecentFirst() throws {
        let report = try Ladder.run()
        let explanation = try #require(report.resolution.explain(box))
        let entry = try #require(explanation.entries.first { $0.name == "properties.byAssignment" })
        #expect(entry.effective.origin.level == .assignment)
        #expect(entry.effective.origin.location?.file == "customer.yaml")
        #expect(entry.effective.origin.location?.line == 23)
        #expect(
            entry.overridden.map(\.origin.level) == [
                .user("ann"), .customer("CUS"), .reseller("NEAR"), .reseller("MID"),
                .reseller("ROOT"), .plan("gold"), .serviceDefault,
            ])
        #expect(entry.overridden.map(\.value.description) == ["user", "customer", "near", "mid", "root", "plan", "service"])
        // The explanation describes the same resource resolution produced.
        #expect(explanation.resource == report.desired.resource(at: box))
    }

    @Test func aPlanSpecificOverrideBeatsAServiceWideOneAtTheSameLevel() throws {
        let resource = try #require(try Ladder.run().desired.resource(at: box))
        #expect(resource.text("properties.atOneLevel") == "near-plan")
    }

    @Test func brandingAndCommerceResolveLikeProperties() throws {
        let report = try Ladder.run()
        let resource = try #require(report.desired.resource(at: box))
        #expect(resource.text("service.name") == "Root Box")
        #expect(resource.text("plan.name") == "Near Gold")
        #expect(resource.text("plan.sku") == "MID-GLD")
        #expect(resource["plan.salesPrice"] == .number(Decimal(string: "16.5")!))
        #expect(resource["plan.costPrice"] == .number(10))
        #expect(resource.text("plan.currency") == "USD")
        let explanation = try #require(report.resolution.explain(box))
        let price = try #require(explanation.entries.first { $0.name == "plan.salesPrice" })
        #expect(price.effective.origin.level == .reseller("ROOT"))
        #expect(price.overridden.map(\.origin.level) == [.plan("gold")])
    }

    @Test func aLockAtAResellerHoldsAgainstALowerReseller() throws {
        let mid = Ladder.resellers.replacingOccurrences(of: "properties: { byMid: mid,", with: "properties: { lockedAtRoot: mid, byMid: mid,")
        let report = try Ladder.run(replacing: ["resellers.yaml": mid])
        #expect(
            report.diagnostics.map(\.message) == [
                "property 'lockedAtRoot' of service box is locked by reseller ROOT (resellers.yaml:10) and cannot be overridden by reseller MID"
            ])
        let entry = try #require(report.resolution.resolver.explain(box)?.entries.first { $0.name == "properties.lockedAtRoot" })
        #expect(entry.effective.value == .string("root"))
        #expect(entry.lockedBy == Origin(.reseller("ROOT"), SourceLocation(file: "resellers.yaml", line: 10, column: 16)))
    }

    @Test func aLockAtAResellerHoldsAgainstACustomer() throws {
        let customer = Ladder.customer.replacingOccurrences(of: "byCustomer: customer,", with: "byCustomer: customer, lockedAtRoot: mine,")
        let report = try Ladder.run(replacing: ["customer.yaml": customer])
        #expect(report.diagnostics.map(\.location.line) == [11])
        #expect(report.diagnostics.first?.message.hasSuffix("is locked by reseller ROOT (resellers.yaml:10) and cannot be overridden by customer CUS") == true)
        #expect(report.desired.resource(at: box)?.text("properties.lockedAtRoot") == "root")
    }

    @Test func namingPatternsEvaluateLastAndInDependencyOrder() throws {
        let desired = try Ladder.run().desired
        let prod = try #require(desired.resource(at: .service("db", instance: "prod", customer: "CUS")))
        #expect(prod.text("properties.dbName") == "CUS_prod")
        #expect(prod.text("properties.label") == "CUS_prod@cus.example/db")
        // An explicit value replaces the pattern, and patterns reading it see that value.
        let test = try #require(desired.resource(at: .service("db", instance: "test", customer: "CUS")))
        #expect(test.text("properties.dbName") == "explicit")
        #expect(test.text("properties.label") == "explicit@cus.example/db")
    }

    @Test func aPatternCycleIsReportedAtThePattern() throws {
        let service = Ladder.service
            .replacingOccurrences(of: #"pattern: "{customer.code}_{instance}""#, with: #"pattern: "{properties.label}""#)
        let report = try Ladder.run(replacing: ["services.yaml": service])
        #expect(
            lines(report.diagnostics) == [
                "34:38: error: naming patterns of service db form a cycle: dbName → label → dbName (a pattern cannot depend on itself; give one of these properties a default or an explicit value instead of a pattern)"
            ])
        // Neither property gets a value; nothing else is affected.
        let prod = try #require(report.desired.resource(at: .service("db", instance: "prod", customer: "CUS")))
        #expect(prod["properties.dbName"] == nil && prod["properties.label"] == nil)
        #expect(prod.text("properties.size") == "5")
    }

    @Test func anUnknownPlaceholderIsReportedWithTheClosestName() throws {
        let service = Ladder.service.replacingOccurrences(of: "{customer.code}_{instance}", with: "{customer.cod}_{instanc}")
        let report = try Ladder.run(replacing: ["services.yaml": service])
        #expect(
            lines(report.diagnostics) == [
                "34:38: error: naming pattern of property 'dbName' has the unknown placeholder {customer.cod} (did you mean {customer.code}? placeholders are {customer.code}, {customer.domain}, {user.username}, {instance}, {service.code}, {plan.code}, {properties.NAME})"
            ])
    }

    @Test func placeholdersMustMakeSenseForTheService() throws {
        let service = Ladder.service
            .replacingOccurrences(of: "{customer.code}_{instance}", with: "{user.username}")
            .replacingOccurrences(of: "{properties.dbName}@", with: "{properties.dbNme}{plan.code}@")
        let report = try Ladder.run(replacing: ["services.yaml": service])
        #expect(
            report.diagnostics.map(\.message) == [
                "naming pattern of property 'dbName' uses {user.username}, but service db is customer-scope and has no user",
                "naming pattern of property 'label' reads {properties.dbNme}, which service db does not define",
                "naming pattern of property 'label' uses {plan.code}, but service db has no plans",
            ])
    }

    @Test func aPatternResultMustFitThePropertyType() throws {
        let service = Ladder.service.replacingOccurrences(
            of: "size:   { type: integer, default: 5 }",
            with: #"size:   { type: integer, pattern: "{customer.code}" }"#)
        let report = try Ladder.run(replacing: ["services.yaml": service])
        #expect(
            lines(report.diagnostics) == [
                "36:39: error: naming pattern of property 'size' of service db gives 'CUS' for customer/CUS/service/db:prod, but the property must be an integer, found the string \"CUS\" (and 1 more resource) (change the pattern so that it gives a valid integer, or set 'size' explicitly)"
            ])
    }

    @Test func aPatternWithNoValueToReadIsReported() throws {
        let customer = Ladder.customer.replacingOccurrences(of: "  domains: { primary: cus.example }\n", with: "")
            .replacingOccurrences(of: "      upn: ann@cus.example\n", with: "      upn: ann@cus.example\n")
        let report = try Ladder.run(replacing: ["customer.yaml": customer])
        #expect(
            report.diagnostics.contains {
                $0.message
                    == "naming pattern of property 'label' of service db reads {customer.domain}, which has no value for customer/CUS/service/db:prod (and 1 more resource)"
            })
    }

    @Test func enginesFollowTheLocationAndTheService() throws {
        let extra = """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: PRV, name: Private }
            spec:
              reseller: NEAR
              domains: { primary: prv.example }
              location: { type: private, name: basement, engine: private-engine }
              services: [{ service: db, instance: main }]
            ---
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: SHR, name: Shared }
            spec:
              reseller: MID
              domains: { primary: shr.example }
              location: { type: shared, name: syd, engine: shared-engine }
              overrides: { box: { engine: box-engine } }
            ---
            apiVersion: provisor/v1
            kind: User
            metadata: { username: sue }
            spec:
              customer: SHR
              upn: sue@shr.example
              services: [{ service: box, plan: silver }]
            ---
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: MDC, name: Under Mid }
            spec:
              reseller: MID

            """
        let report = try Ladder.run(["more.yaml": extra])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let engines = Dictionary(uniqueKeysWithValues: report.desired.resources.map { ($0.address.description, $0.engine) })
        // Platform: the nearest reseller's engine, else the root's.
        #expect(engines["customer/CUS"] == "near-engine")
        #expect(engines["customer/CUS/user/ann"] == "near-engine")
        #expect(engines["customer/CUS/service/db:prod"] == "near-engine")
        #expect(engines["customer/MDC"] == "root-engine")
        #expect(engines["reseller/MID"] == "root-engine")
        // A private location's services go to its engine; a shared one's too, unless an
        // override names another engine for the service.
        #expect(engines["customer/PRV"] == "private-engine")
        #expect(engines["customer/PRV/service/db:main"] == "private-engine")
        #expect(engines["customer/SHR"] == "shared-engine")
        #expect(engines["customer/SHR/user/sue"] == "shared-engine")
        #expect(engines["customer/SHR/user/sue/service/box"] == "box-engine")
        let explained = try #require(report.resolution.explain(.customer("PRV")))
        #expect(explained.entries.first { $0.name == "engine" }?.effective.origin.level == .customer("PRV"))
    }

    @Test func anUnresolvableEngineIsAnError() throws {
        let resellers = Ladder.resellers.replacingOccurrences(of: "  engine: root-engine\n", with: "")
        let report = try Ladder.run(replacing: ["resellers.yaml": resellers])
        #expect(
            lines(report.diagnostics) == [
                "3:19: error: reseller ROOT has no engine: neither it nor any reseller above it names one (set spec.engine on ROOT; it serves every reseller that names none)",
                "15:19: error: reseller MID has no engine: neither it nor any reseller above it names one (set spec.engine on MID, or on ROOT for the whole hierarchy)",
            ])
        // NEAR names its own engine, so its customer still resolves.
        #expect(report.desired.resource(at: .customer("CUS"))?.engine == "near-engine")
    }

    @Test func aResellersAllowedServicesNarrowItsSubtree() throws {
        let root = Ladder.resellers.replacingOccurrences(of: "  engine: root-engine\n", with: "  engine: root-engine\n  services: [box, db, web]\n")
        let web = """
            apiVersion: provisor/v1
            kind: Service
            metadata: { code: web, name: Web }
            spec: { scope: customer }
            ---
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: WEB, name: Web Customer }
            spec:
              reseller: NEAR
              domains: { primary: web.example }
              services: [{ service: web }, { service: db }]

            """
        let report = try Ladder.run(["web.yaml": web], replacing: ["resellers.yaml": root])
        #expect(report.diagnostics.map(\.message) == ["service 'web' is not allowed for customer WEB: reseller MID (resellers.yaml:15) allows only box, db"])
        #expect(report.desired.resource(at: .reseller("ROOT"))?["services"] == .list(["box", "db", "web"]))
        #expect(report.desired.resource(at: .reseller("NEAR"))?["services"] == .list(["box", "db"]))
        #expect(report.desired.resource(at: .service("web", instance: nil, customer: "WEB")) == nil)
        #expect(report.desired.resource(at: .service("db", instance: nil, customer: "WEB")) != nil)
    }

    @Test func resourcesAreOrderedHierarchicallyWithParents() throws {
        let desired = try Ladder.run().desired
        #expect(
            desired.resources.map(\.address.description) == [
                "reseller/MID", "reseller/NEAR", "reseller/ROOT",
                "customer/CUS", "customer/CUS/service/db:prod", "customer/CUS/service/db:test",
                "customer/CUS/user/ann", "customer/CUS/user/ann/service/box",
            ])
        #expect(
            desired.resources.map { $0.parent?.description ?? "-" } == [
                "reseller/ROOT", "reseller/MID", "-", "reseller/NEAR", "customer/CUS", "customer/CUS", "customer/CUS", "customer/CUS/user/ann",
            ])
        let user = try #require(desired.resource(at: .user("ann", customer: "CUS")))
        #expect(user["password"]?.description == "(sensitive)")
        #expect(!user.attributes.contains { $0.name == "firstName" }, "an omitted field is not managed")
        #expect(user.attributes.map(\.name) == user.attributes.map(\.name).sorted())
    }

    @Test func addressesParseAndPrintTheSame() {
        for text in [
            "reseller/ACME", "customer/JBL", "customer/JBL/service/sqldb:prod", "customer/JBL/user/alice",
            "customer/JBL/user/alice/service/m365", "customer/JBL/user/a.b/service/x:y", "customer/JBL/subscription/SUB-1", "customer/é/user/ü",
        ] {
            #expect(ResourceAddress(parsing: text)?.description == text)
        }
        #expect(ResourceAddress(parsing: "customer/JBL/service/m365:default")?.description == "customer/JBL/service/m365")
        for bad in [
            "", "/", "customer", "customer/", "/customer/JBL", "customer/JBL/users/alice", "reseller/A/B", "customer/JBL/service/a:b:c",
            "customer//user/x", "customer/JBL/service/:prod", "customer/JBL/service/sqldb:", "customer/JBL/user/a/service/m/x",
            "customer/JBL/user/a/service/m365/", "customer/JBL/subscription/",
        ] {
            #expect(ResourceAddress(parsing: bad) == nil, "\(bad)")
        }
        // A username with '.' sorts after its own services: order is by component, not text.
        let user = ResourceAddress.user("alex", customer: "C")
        #expect(user < .service("m365", instance: nil, customer: "C", user: "alex"))
        #expect(ResourceAddress.service("m365", instance: nil, customer: "C", user: "alex") < .user("alex.b", customer: "C"))
    }

    @Test func theResourceListReadsAcrossChunks() {
        func resource(_ code: String) -> DesiredResource {
            DesiredResource(address: .customer(code), parent: nil, engine: "e", attributes: [])
        }
        let codes = ["A", "B", "C", "D", "E", "F"]
        let state = DesiredState(chunks: [[], [resource("A")], [resource("B"), resource("C")], [], [resource("D"), resource("E"), resource("F")], []])
        #expect(state.resources.count == 6)
        #expect(state.resources.map(\.address.owner) == codes)
        #expect(codes.indices.map { state.resources[$0].address.owner } == codes)
        for code in codes { #expect(state.resource(at: .customer(code))?.address.owner == code) }
        #expect(state.resource(at: .customer("AA")) == nil && state.resource(at: .customer("G")) == nil)
        #expect(state.resources == DesiredState(resources: codes.map(resource)).resources)
        #expect(DesiredState(chunks: [[], []]).resources.isEmpty)
    }

    @Test func numbersCompareByValueNotSpelling() {
        #expect(AttributeValue.number(Decimal(string: "16.00")!) == .number(16))
        #expect(AttributeValue.number(Decimal(string: "16.00")!).hashValue == AttributeValue.number(16).hashValue)
        #expect(AttributeValue.integer(16) != .number(16))
    }

    @Test func theExampleEstateResolvesWithRebrandingAndPrices() throws {
        let report = try ManifestPipeline.run(DirectorySource(root: repoPath("examples/manifests")))
        #expect(report.isValid)
        let alice = try #require(report.desired.resource(at: .service("m365", instance: nil, customer: "JBL", user: "alice")))
        #expect(alice.text("plan.name") == "Acme Premium")
        #expect(alice.text("service.name") == "Acme 365")
        #expect(alice.engine == "csp-eu")
        #expect(alice.text("properties.mailbox") == "alice@jonesbaker.example")
        // The same resolution twice gives the same desired state.
        let again = try ManifestPipeline.run(DirectorySource(root: repoPath("examples/manifests")))
        #expect(again.desired.resources == report.desired.resources)
    }
    /// The report explains a customer's resources in one resolution (traced bases made once per
    /// service and plan); each explanation must be what explaining the address alone gives.
    @Test func explainingACustomerAtOnceGivesWhatEachAddressGives() throws {
        let report = try ManifestPipeline.run(DirectorySource(root: repoPath("examples/manifests")))
        let customers = report.desired.resources.filter { $0.kind == .customer }.map(\.address.owner)
        var explained = 0
        for code in customers {
            let together = report.resolution.explainCustomer(code)
            let below = report.desired.resources.filter { $0.address.customer == code }
            #expect(together.map(\.resource.address) == below.map(\.address), "\(code): the estate's resources, in its order")
            for explanation in together {
                let alone = try #require(report.resolution.explain(explanation.resource.address))
                #expect(explanation.resource == alone.resource)
                #expect(explanation.entries.map(\.name) == alone.entries.map(\.name))
                #expect(explanation.entries.map(\.effective) == alone.entries.map(\.effective), "\(explanation.resource.address)")
                #expect(explanation.entries.map(\.overridden) == alone.entries.map(\.overridden))
                #expect(explanation.entries.map(\.lockedBy) == alone.entries.map(\.lockedBy))
                #expect(explanation.market == alone.market)
                explained += 1
            }
        }
        #expect(explained > 100, "the example estate's customers have users and services")
        #expect(report.resolution.explainCustomer("NOSUCH").isEmpty)
    }
}
