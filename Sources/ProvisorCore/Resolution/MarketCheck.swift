/// Whether a service routed to a Microsoft CSP engine may be provisioned there: the country it
/// is used in (the service's `usageLocation`, else the customer's address country) must be one
/// of the engine's Partner Center markets. Validation refuses a resource that fails it;
/// `provisor explain` shows it.
public struct MarketCheck: Sendable, Hashable {
    public var engine: String
    /// The engine's Partner Center region and markets.
    public var region: String
    public var markets: [String]
    /// The country checked, and where it comes from ("usageLocation" or "the customer's address").
    public var country: String
    public var source: String
    /// The CSP engines whose markets include the country, by name.
    public var fitting: [String]

    public var passes: Bool { markets.contains(country) }

    /// The check for a resource on `engine` (nil when it is not a CSP engine, or no country is
    /// known), among the CSP engines `csp`.
    static func check(engine: String, usageLocation: String?, addressCountry: String?, csp: [String: Engine.CSPSettings]) -> MarketCheck? {
        guard let settings = csp[engine] else { return nil }
        let (country, source): (String, String)
        if let usageLocation, !usageLocation.isEmpty {
            (country, source) = (usageLocation.uppercased(), "usageLocation")
        } else if let addressCountry {
            (country, source) = (addressCountry.uppercased(), "the customer's address")
        } else {
            return nil
        }
        let fitting = csp.filter { $0.value.markets.contains(country) }.keys.sorted()
        return MarketCheck(engine: engine, region: settings.region, markets: settings.markets, country: country, source: source, fitting: fitting)
    }

    /// "csp-eu (Partner Center region europe, markets DE, NL, GB, NZ, AU)".
    var engineDescription: String {
        "\(engine) (Partner Center region \(region), markets \(markets.joined(separator: ", ")))"
    }

    /// The refusal of a resource that fails the check.
    func refusal(service: String, address: ResourceAddress) -> (message: String, hint: String) {
        let message =
            "service \(service) for \(address) is used in \(country) (\(source)), but it goes to the CSP engine \(engineDescription), which cannot provision into \(country)"
        let hint =
            fitting.isEmpty
            ? "no CSP engine's markets include \(country): add \(country) to the markets of the engine for its Partner Center region, or define a CSP Engine for that region"
            : "move the customer to \(fitting.joined(separator: " or ")) with an engine override on the customer or its reseller, such as overrides: { \(service): { engine: \(fitting[0]) } }; or correct \(source)"
        return (message, hint)
    }
}
