import Foundation
import ProvisorEngineKit

/// The Partner Center requests the engine makes: customers and their new-commerce
/// subscriptions (https://learn.microsoft.com/partner-center/developer/).
struct PartnerCenter {
    let client: MicrosoftClient

    /// The `<code>.onmicrosoft.com` domain a customer code names.
    static func domain(of code: String) -> String { code.lowercased() + ".onmicrosoft.com" }

    /// The customer code an onmicrosoft.com domain names, when it names one.
    static func code(of domain: String) -> String? {
        guard domain.hasSuffix(".onmicrosoft.com") else { return nil }
        let code = domain.dropLast(".onmicrosoft.com".count).uppercased()
        return code.wholeMatch(of: /[A-Z][A-Z0-9]{1,15}/) == nil ? nil : code
    }

    /// Every customer with a reseller relationship, page by page (`links.next` and its
    /// MS-ContinuationToken header), or those whose domain starts with `domain`.
    func customers(domain: String? = nil) throws(MicrosoftFailure) -> [JSONValue] {
        var path = "/customers?size=100"
        if let domain {
            path +=
                "&filter=" + MicrosoftClient.encoded(JSONLine.encode(["Field": "Domain", "Value": .string(domain), "Operator": "starts_with"] as JSONValue))
        }
        var found: [JSONValue] = []
        var headers: [(String, String)] = []
        while true {
            let page = try client.partnerCenter(.GET, path, headers: headers).json
            if case .array(let items)? = page["items"] { found += items }
            guard let next = page["links"]?["next"], let uri = next["uri"]?.string else { return found }
            path = uri.hasPrefix("/v1") ? String(uri.dropFirst(3)) : uri
            headers = []
            if case .array(let given)? = next["headers"] {
                headers = given.compactMap { header in header["key"]?.string.flatMap { key in header["value"]?.string.map { (key, $0) } } }
            }
        }
    }

    /// The customer whose default domain is exactly `domain`.
    func customer(domain: String) throws(MicrosoftFailure) -> JSONValue? {
        try customers(domain: domain).first { $0["companyProfile"]?["domain"]?.string?.lowercased() == domain }
    }

    /// The customer with this tenant id; a 403 says the relationship is missing.
    func customer(tenant: String) throws(MicrosoftFailure) -> JSONValue? {
        do { return try client.partnerCenter(.GET, "/customers/\(MicrosoftClient.encoded(tenant))").json } catch .notFound { return nil } catch {
            throw Self.explained(error, tenant: tenant)
        }
    }

    func createCustomer(_ body: JSONValue) throws(MicrosoftFailure) -> JSONValue {
        try client.partnerCenter(.POST, "/customers", body: body).json
    }

    func updateBillingProfile(tenant: String, _ body: JSONValue) throws(MicrosoftFailure) {
        _ = try client.partnerCenter(.PUT, "/customers/\(MicrosoftClient.encoded(tenant))/profiles/billing", body: body)
    }

    /// Removes the reseller relationship: Partner Center refuses while a subscription is active.
    func removeRelationship(tenant: String) throws(MicrosoftFailure) {
        _ = try client.partnerCenter(
            .PATCH, "/customers/\(MicrosoftClient.encoded(tenant))", body: ["relationshipToPartner": "none", "allowDelegatedAccess": false])
    }

    func subscriptions(tenant: String) throws(MicrosoftFailure) -> [JSONValue] {
        let page = try client.partnerCenter(.GET, "/customers/\(MicrosoftClient.encoded(tenant))/subscriptions", customer: tenant).json
        if case .array(let items)? = page["items"] { return items }
        return []
    }

    func subscription(tenant: String, id: String) throws(MicrosoftFailure) -> JSONValue {
        try client.partnerCenter(.GET, "/customers/\(MicrosoftClient.encoded(tenant))/subscriptions/\(MicrosoftClient.encoded(id))", customer: tenant).json
    }

    /// PATCHes the whole subscription body with `changes` applied, as Partner Center requires.
    @discardableResult
    func patch(tenant: String, _ subscription: JSONValue, _ changes: [String: JSONValue]) throws(MicrosoftFailure) -> JSONValue {
        var body = subscription.object ?? [:]
        body["refundableQuantity"] = nil
        for (key, value) in changes { body[key] = value }
        let id = subscription["id"]?.string ?? ""
        return try client.partnerCenter(
            .PATCH, "/customers/\(MicrosoftClient.encoded(tenant))/subscriptions/\(MicrosoftClient.encoded(id))", body: .object(body), customer: tenant
        ).json
    }

    /// A new-commerce order of `quantity` licences: one new subscription.
    func order(tenant: String, offer: SKUCatalog.Offer, quantity: Int, term: String, billingCycle: String) throws(MicrosoftFailure) {
        let line: JSONValue = [
            "lineItemNumber": 0, "offerId": .string(offer.catalogItem + ":" + offer.availability), "quantity": .integer(quantity),
            "termDuration": .string(term), "billingCycle": .string(billingCycle),
        ]
        _ = try client.partnerCenter(
            .POST, "/customers/\(MicrosoftClient.encoded(tenant))/orders", body: ["referenceCustomerId": .string(tenant), "lineItems": [line]], customer: tenant
        )
    }

    /// A 403 without a relationship, in words that say what to do.
    static func explained(_ failure: MicrosoftFailure, tenant: String) -> MicrosoftFailure {
        guard MicrosoftClient.code(failure) == "20002" else { return failure }
        return .refused(
            "the partner has no relationship with customer tenant \(tenant): ask the customer to accept a reseller relationship "
                + "and a granular delegated admin relationship in Partner Center. Microsoft said: \(failure)")
    }
}
