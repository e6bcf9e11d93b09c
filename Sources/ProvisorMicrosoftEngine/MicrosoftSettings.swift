import Foundation

/// Where and as whom the engine talks to Microsoft, read from its environment (the Engine
/// manifest's `exec.environment`, docs/engines.md "The Microsoft engine").
public struct MicrosoftSettings: Sendable {
    /// The partner's own tenant: Partner Center tokens are issued in it.
    public var partnerTenant: String
    /// The Entra application (client) id and its secret.
    public var applicationID: String
    public var applicationSecret: String
    public var loginURL = "https://login.microsoftonline.com"
    public var partnerCenterURL = "https://api.partnercenter.microsoft.com"
    public var graphURL = "https://graph.microsoft.com"
    /// The countries customers may be created in (the Engine manifest's `csp.markets`); empty: any.
    public var markets: [String] = []
    /// The code of the reseller the partner tenant is (the provider), when it is on this engine.
    public var reseller: String?
    /// The service code licences are reported under when the engine is read back.
    public var licenceService = "m365"
    /// Partner Center's subscription requests a minute per customer tenant (its published limit).
    public var partnerCenterBudget = 500
    /// A throttled request waits this long at most before the engine answers "retryable".
    public var longestWait = 10

    public static let partnerCenterAudience = "https://api.partnercenter.microsoft.com"
    public static let graphAudience = "https://graph.microsoft.com"

    /// The settings in `environment`, or a sentence naming what is missing.
    public static func from(_ environment: [String: String]) -> Result<MicrosoftSettings, MicrosoftFailure> {
        let required = ["MICROSOFT_PARTNER_TENANT", "MICROSOFT_APPLICATION_ID", "MICROSOFT_APPLICATION_SECRET"]
        let missing = required.filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            return .failure(
                .refused(
                    "the Microsoft engine is not configured: \(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not set; "
                        + "give \(missing.count == 1 ? "it" : "them") in the Engine manifest's exec.environment (the secret as a secretRef)"))
        }
        var settings = MicrosoftSettings(
            partnerTenant: environment["MICROSOFT_PARTNER_TENANT"]!, applicationID: environment["MICROSOFT_APPLICATION_ID"]!,
            applicationSecret: environment["MICROSOFT_APPLICATION_SECRET"]!)
        for (name, path) in [
            ("MICROSOFT_LOGIN_URL", \MicrosoftSettings.loginURL), ("MICROSOFT_PARTNER_CENTER_URL", \.partnerCenterURL),
            ("MICROSOFT_GRAPH_URL", \.graphURL),
        ] {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard value.hasPrefix("https://") || value.hasPrefix("http://") else {
                return .failure(.refused("\(name) must be an http:// or https:// address, found '\(value)'"))
            }
            settings[keyPath: path] = value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        settings.markets = (environment["PROVISOR_CSP_MARKETS"] ?? "").split(separator: ",").map(String.init)
        if let reseller = environment["MICROSOFT_RESELLER"], !reseller.isEmpty { settings.reseller = reseller }
        if let service = environment["MICROSOFT_LICENCE_SERVICE"], !service.isEmpty { settings.licenceService = service }
        if let budget = environment["MICROSOFT_PARTNER_CENTER_BUDGET"].flatMap(Int.init), budget > 0 { settings.partnerCenterBudget = budget }
        if let wait = environment["MICROSOFT_LONGEST_WAIT_SECONDS"].flatMap(Int.init), wait >= 0 { settings.longestWait = wait }
        return .success(settings)
    }
}
