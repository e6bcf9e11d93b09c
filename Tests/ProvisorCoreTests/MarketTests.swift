import Foundation
import Testing

@testable import ProvisorCore

/// A Microsoft CSP engine provisions only into its Partner Center markets: a service routed to
/// one for a customer used elsewhere is refused at the assignment, with the engines that fit.
@Suite struct MarketTests {
    static let engines = """
        apiVersion: provisor/v1
        kind: Engine
        metadata: { name: platform }
        spec: { adapter: simulated }
        ---
        apiVersion: provisor/v1
        kind: Engine
        metadata: { name: csp-eu }
        spec: { adapter: simulated, csp: { region: europe, markets: [DE, GB] } }
        ---
        apiVersion: provisor/v1
        kind: Engine
        metadata: { name: csp-us }
        spec: { adapter: simulated, csp: { region: americas, markets: [US, CA] } }
        ---
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: m365, name: Microsoft 365 }
        spec:
          scope: user
          engine: csp-eu
          properties:
            usageLocation: { type: string, default: DE }
        ---
        apiVersion: provisor/v1
        kind: Service
        metadata: { code: box, name: Box }
        spec: { scope: user, engine: csp-eu }
        ---
        apiVersion: provisor/v1
        kind: Reseller
        metadata: { code: ROOT, name: Root }
        spec: { engine: platform }

        """

    /// The estate with customer CUS (its overrides and address given) and user ann on m365 and box.
    static func estate(overrides: String = "{}", country: String? = nil, extraEngine: String = "") -> [String: String] {
        let address = country.map { "\n  address: { country: \($0) }" } ?? ""
        return [
            "base.yaml": engines + extraEngine,
            "customer.yaml": """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: CUS, name: Customer }
            spec:
              reseller: ROOT
              domains: { primary: cus.example }\(address)
              overrides: \(overrides)

            """,
            "users.yaml": """
            apiVersion: provisor/v1
            kind: User
            metadata: { username: ann }
            spec:
              customer: CUS
              firstName: Ann
              lastName: Lee
              upn: ann@cus.example
              services:
                - { service: m365 }
                - { service: box }

            """,
        ]
    }

    static func run(_ files: [String: String]) throws -> ManifestPipeline.Report {
        try ManifestPipeline.run(MemorySource(files: files))
    }

    @Test func aServiceUsedInOneOfTheEnginesMarketsPasses() throws {
        let report = try Self.run(Self.estate())
        #expect(report.isValid, "\(lines(report.diagnostics))")
        let market = try #require(report.resolution.explain(.service("m365", instance: nil, customer: "CUS", user: "ann"))?.market)
        #expect(market == MarketCheck(engine: "csp-eu", region: "europe", markets: ["DE", "GB"], country: "DE", source: "usageLocation", fitting: ["csp-eu"]))
        #expect(market.passes)
    }

    @Test func aUsageLocationOutsideTheMarketsIsRefusedAtTheAssignmentNamingTheEngineThatFits() throws {
        let report = try Self.run(Self.estate(overrides: "{ m365: { properties: { usageLocation: US } } }"))
        #expect(!report.isValid)
        #expect(
            report.diagnostics.map { "\($0.location.file):\($0.location.line):\($0.location.column): \($0.text)" } == [
                "users.yaml:10:18: service m365 for customer/CUS/user/ann/service/m365 is used in US (usageLocation), but it goes to the CSP engine csp-eu (Partner Center region europe, markets DE, GB), which cannot provision into US (move the customer to csp-us with an engine override on the customer or its reseller, such as overrides: { m365: { engine: csp-us } }; or correct usageLocation)"
            ])
        let market = try #require(report.resolution.explain(.service("m365", instance: nil, customer: "CUS", user: "ann"))?.market)
        #expect(!market.passes)
    }

    @Test func aCustomerMovesToTheOtherPartnerCenterConnectionWithAnEngineOverride() throws {
        let report = try Self.run(Self.estate(overrides: "{ m365: { engine: csp-us, properties: { usageLocation: US } } }"))
        #expect(report.isValid, "\(lines(report.diagnostics))")
        #expect(report.desired.resource(at: .service("m365", instance: nil, customer: "CUS", user: "ann"))?.engine == "csp-us")
        // Moving it without changing where it is used is refused on the new engine.
        let back = try Self.run(Self.estate(overrides: "{ m365: { engine: csp-us } }"))
        #expect(
            lines(back.diagnostics).map { $0.contains("is used in DE (usageLocation), but it goes to the CSP engine csp-us") }
                == [true])
    }

    @Test func withoutAUsageLocationTheCustomersAddressCountryIsChecked() throws {
        let report = try Self.run(Self.estate(country: "CA"))
        // box has no usageLocation: the customer's address is used; m365's default DE still passes.
        #expect(
            report.diagnostics.map(\.text) == [
                "service box for customer/CUS/user/ann/service/box is used in CA (the customer's address), but it goes to the CSP engine csp-eu (Partner Center region europe, markets DE, GB), which cannot provision into CA (move the customer to csp-us with an engine override on the customer or its reseller, such as overrides: { box: { engine: csp-us } }; or correct the customer's address)"
            ])
    }

    @Test func whenNoEngineFitsTheHintSaysToAddTheMarketOrAnEngine() throws {
        let report = try Self.run(Self.estate(overrides: "{ m365: { properties: { usageLocation: JP } } }"))
        #expect(
            report.diagnostics.map(\.hint) == [
                "no CSP engine's markets include JP: add JP to the markets of the engine for its Partner Center region, or define a CSP Engine for that region"
            ])
    }

    @Test func engineOutsideCSPAndUnknownCountriesAreNotChecked() throws {
        // box routed to the platform engine, and no address: nothing to check.
        let report = try Self.run(Self.estate(overrides: "{ box: { engine: platform } }"))
        #expect(report.isValid, "\(lines(report.diagnostics))")
        #expect(report.resolution.explain(.service("box", instance: nil, customer: "CUS", user: "ann"))?.market == nil)
    }

    @Test func theExampleEstateKeepsEveryCustomerInItsMarkets() throws {
        let report = try ManifestPipeline.run(DirectorySource(root: repoPath("examples/manifests")))
        #expect(report.isValid)
        let alice = try #require(report.resolution.explain(.service("m365", instance: nil, customer: "JBL", user: "alice"))?.market)
        #expect(alice.country == "NZ" && alice.engine == "csp-eu" && alice.passes)
    }
}
