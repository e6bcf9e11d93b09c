import ProvisorEngineKit

/// The Microsoft Graph requests the engine makes in a customer's tenant: users and their
/// licences (https://learn.microsoft.com/graph/api/resources/user).
struct Graph {
    let client: MicrosoftClient
    let tenant: String

    static let userFields = "id,userPrincipalName,displayName,givenName,surname,accountEnabled,usageLocation,assignedLicenses"

    /// Every user, page by page through `@odata.nextLink`.
    func users() throws(MicrosoftFailure) -> [JSONValue] {
        var next: String? = "/users?$select=\(Self.userFields)&$top=999"
        var found: [JSONValue] = []
        while let url = next {
            let page = try client.graph(.GET, url, tenant: tenant).json
            if case .array(let items)? = page["value"] { found += items }
            next = page["@odata.nextLink"]?.string
        }
        return found
    }

    /// The user with this object id or UPN, or nil.
    func user(_ key: String) throws(MicrosoftFailure) -> JSONValue? {
        do { return try client.graph(.GET, "/users/\(MicrosoftClient.encoded(key))?$select=\(Self.userFields)", tenant: tenant).json } catch .notFound {
            return nil
        }
    }

    func createUser(_ body: JSONValue) throws(MicrosoftFailure) -> JSONValue {
        try client.graph(.POST, "/users", tenant: tenant, body: body).json
    }

    func updateUser(_ id: String, _ body: JSONValue) throws(MicrosoftFailure) {
        _ = try client.graph(.PATCH, "/users/\(id)", tenant: tenant, body: body)
    }

    /// Deletes the user; one already gone is not an error.
    func deleteUser(_ id: String) throws(MicrosoftFailure) {
        do { _ = try client.graph(.DELETE, "/users/\(id)", tenant: tenant) } catch .notFound {}
    }

    func assignLicense(_ id: String, add: [String], remove: [String]) throws(MicrosoftFailure) {
        let body: JSONValue = [
            "addLicenses": .array(add.map { ["skuId": .string($0), "disabledPlans": []] }), "removeLicenses": .array(remove.map { .string($0) }),
        ]
        _ = try client.graph(.POST, "/users/\(id)/assignLicense", tenant: tenant, body: body)
    }

    /// The tenant's SKUs: part number → (skuId, licences paid for, licences assigned).
    func subscribedSKUs() throws(MicrosoftFailure) -> [String: (id: String, enabled: Int, consumed: Int)] {
        let page = try client.graph(.GET, "/subscribedSkus", tenant: tenant).json
        var skus: [String: (id: String, enabled: Int, consumed: Int)] = [:]
        if case .array(let items)? = page["value"] {
            for item in items {
                guard let part = item["skuPartNumber"]?.string, let id = item["skuId"]?.string else { continue }
                skus[part] = (id, item["prepaidUnits"]?["enabled"]?.integer ?? 0, item["consumedUnits"]?.integer ?? 0)
            }
        }
        return skus
    }
}
