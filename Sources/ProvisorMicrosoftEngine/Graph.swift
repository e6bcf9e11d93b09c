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
        _ = try client.graph(.PATCH, "/users/\(MicrosoftClient.encoded(id))", tenant: tenant, body: body)
    }

    /// Deletes the user; one already gone is not an error.
    func deleteUser(_ id: String) throws(MicrosoftFailure) {
        do { _ = try client.graph(.DELETE, "/users/\(MicrosoftClient.encoded(id))", tenant: tenant) } catch .notFound {}
    }

    func assignLicense(_ id: String, add: [String], remove: [String]) throws(MicrosoftFailure) {
        let body: JSONValue = [
            "addLicenses": .array(add.map { ["skuId": .string($0), "disabledPlans": []] }), "removeLicenses": .array(remove.map { .string($0) }),
        ]
        _ = try client.graph(.POST, "/users/\(MicrosoftClient.encoded(id))/assignLicense", tenant: tenant, body: body)
    }

    typealias SKUs = [String: (id: String, enabled: Int, consumed: Int)]

    /// The tenant's SKUs: part number → (skuId, licences paid for, licences assigned).
    func subscribedSKUs() throws(MicrosoftFailure) -> SKUs {
        Self.skus(try client.graph(.GET, "/subscribedSkus", tenant: tenant).json)
    }

    static func skus(_ page: JSONValue) -> SKUs {
        var skus: SKUs = [:]
        if case .array(let items)? = page["value"] {
            for item in items {
                guard let part = item["skuPartNumber"]?.string, let id = item["skuId"]?.string else { continue }
                skus[part] = (id, item["prepaidUnits"]?["enabled"]?.integer ?? 0, item["consumedUnits"]?.integer ?? 0)
            }
        }
        return skus
    }

    /// The user with this UPN (nil when there is none) and the tenant's SKUs, in one JSON batch
    /// request (https://learn.microsoft.com/graph/json-batching).
    func userAndSKUs(_ upn: String) throws(MicrosoftFailure) -> (user: JSONValue?, skus: SKUs) {
        let requests: JSONValue = [
            "requests": [
                ["id": "user", "method": "GET", "url": .string("/users/\(MicrosoftClient.encoded(upn))?$select=\(Self.userFields)")],
                ["id": "skus", "method": "GET", "url": "/subscribedSkus"],
            ]
        ]
        var answers: [String: (status: Int, body: JSONValue)] = [:]
        if case .array(let responses)? = try client.graph(.POST, "/$batch", tenant: tenant, body: requests).json["responses"] {
            for response in responses {
                guard let id = response["id"]?.string, let status = response["status"]?.integer else { continue }
                answers[id] = (status, response["body"] ?? .null)
            }
        }
        for id in ["user", "skus"] {
            guard let answer = answers[id] else { throw .retry("Graph answered the batch without its '\(id)' response", after: nil) }
            guard (200..<300).contains(answer.status) || (id == "user" && answer.status == 404) else {
                let text = "Graph answered \(answer.status) in a batch: \(MicrosoftClient.message(answer.body))"
                throw answer.status == 429 || answer.status >= 500 ? .retry(text, after: nil) : .refused(text)
            }
        }
        return (answers["user"]!.status == 404 ? nil : answers["user"]!.body, Self.skus(answers["skus"]!.body))
    }
}
