import Foundation
import ProvisorEngineKit

/// `provisor-engine-microsoft`: a Microsoft cloud-solution provider's engine on the engine kit
/// (README.md, "The Microsoft engine"). A customer is a Partner Center customer (its
/// tenant), a user a Graph user, a user service whose plan has a `license` a licence assigned to
/// that user, bought when none is free; subscriptions are read from and right-sized in Partner
/// Center.
public final class MicrosoftEngine {
    let engine: ExecEngine
    let client: MicrosoftClient
    let partnerCenter: PartnerCenter
    let catalog: SKUCatalog
    var settings: MicrosoftSettings { client.settings }

    public init(settings: MicrosoftSettings, answered: (any AnsweredMessages)?, offers: String? = nil) {
        engine = ExecEngine(answered: answered)
        let engine = self.engine
        client = MicrosoftClient(settings: settings) { engine.log($0) }
        partnerCenter = PartnerCenter(client: client)
        catalog = SKUCatalog(extra: offers)
        register()
    }

    /// Answers every line of standard input until it ends.
    public func run() { engine.run() }

    private func register() {
        for action in ["provision", "update", "deprovision", "adjust-subscription"] {
            engine.handle(action) { [unowned self] message in
                do { return try self.carryOut(message) } catch { throw error.engineFailure }
            }
        }
        engine.observe { [unowned self] in
            do { return try self.observe() } catch { throw error.engineFailure }
        }
        engine.subscriptions { [unowned self] in
            do { return try self.readSubscriptions() } catch { throw error.engineFailure }
        }
    }

    private func carryOut(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        switch (message.kind, message.action) {
        case ("reseller", _):
            // The provider reseller is the partner tenant itself: nothing to make, and it is
            // read back as there. Indirect resellers are not this engine's.
            guard let reseller = settings.reseller, message.address == "reseller/\(reseller)" else {
                throw .refused(
                    "\(message.address) is not this partner (MICROSOFT_RESELLER is \(settings.reseller ?? "not set")): the Microsoft engine "
                        + "stands for the provider reseller only; put other resellers on another engine")
            }
            return [:]
        case ("customer", "provision"): return try provisionCustomer(message)
        case ("customer", "update"): return try updateCustomer(message)
        case ("customer", "deprovision"): return try deprovisionCustomer(message)
        case ("user", "provision"): return try provisionUser(message)
        case ("user", "update"): return try updateUser(message)
        case ("user", "deprovision"): return try deprovisionUser(message)
        case ("user-service", let action) where message.attributes["plan.license.sku"]?.string != nil:
            return action == "deprovision" ? try removeLicence(message) : try assignLicence(message)
        case ("subscription", "adjust-subscription"): return try adjust(message)
        default:
            throw .refused(
                "the Microsoft engine does not handle \(message.kind) \(message.action) (\(message.address)): it provisions customers, users and licensed user services"
            )
        }
    }

    // MARK: - Customers

    private func provisionCustomer(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let code = message.customer ?? ""
        let domain = PartnerCenter.domain(of: code)
        if let existing = try partnerCenter.customer(domain: domain), let tenant = existing["id"]?.string {
            engine.log("\(message.address): adopting the existing customer \(tenant) (\(domain))")
            return ["tenantId": .string(tenant), "domain": .string(domain)]
        }
        let text = { (name: String) in message.attributes[name]?.string }
        guard let country = text("address.country") else {
            throw .refused(
                "\(message.address) has no address.country: Partner Center creates a tenant only with a valid address; add address (street, city, postalCode, country) to the customer's manifest"
            )
        }
        guard settings.markets.isEmpty || settings.markets.contains(country) else {
            throw .refused("\(message.address) is in \(country), which is not one of this engine's markets (\(settings.markets.joined(separator: ", ")))")
        }
        guard let email = text("contact.email") else {
            throw .refused("\(message.address) has no contact.email: Partner Center needs one for the billing profile; add contact to the customer's manifest")
        }
        let created = try partnerCenter.createCustomer([
            "companyProfile": ["domain": .string(domain)],
            "billingProfile": billingProfile(message, email: email, country: country),
        ])
        guard let tenant = created["id"]?.string else { throw .refused("Partner Center created \(domain) but answered no tenant id") }
        return ["tenantId": .string(tenant), "domain": .string(domain)]
    }

    private func billingProfile(_ message: EngineMessage, email: String, country: String) -> JSONValue {
        let text = { (name: String) -> JSONValue in message.attributes[name]?.string.map(JSONValue.string) ?? .null }
        let contact = (message.attributes["contact.name"]?.string ?? "").split(separator: " ", maxSplits: 1).map(String.init)
        return [
            "companyName": text("name"), "email": .string(email), "culture": "en-US", "language": "en",
            "defaultAddress": [
                "country": .string(country), "city": text("address.city"), "addressLine1": text("address.street"),
                "postalCode": text("address.postalCode"), "state": text("address.region"), "phoneNumber": text("contact.phone"),
                "firstName": contact.first.map(JSONValue.string) ?? .null, "lastName": contact.count > 1 ? .string(contact[1]) : .null,
            ],
        ]
    }

    private func updateCustomer(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let changed = (message.json["previous"]?.object ?? [:]).keys
        guard changed.contains(where: { $0 == "name" || $0.hasPrefix("contact.") || $0.hasPrefix("address.") }) else { return [:] }
        guard let email = message.attributes["contact.email"]?.string, let country = message.attributes["address.country"]?.string else {
            throw .refused("\(message.address) needs contact.email and address.country for its Partner Center billing profile")
        }
        try partnerCenter.updateBillingProfile(tenant: tenant, billingProfile(message, email: email, country: country))
        return [:]
    }

    /// Cancels what is still inside its cancellation window, stops the rest renewing, and
    /// removes the reseller relationship once nothing is active; what cannot be cancelled is
    /// refused with the date it ends (a later run finishes the job).
    private func deprovisionCustomer(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        guard try partnerCenter.customer(tenant: tenant) != nil else { return [:] }
        var ending: [String] = []
        for subscription in try partnerCenter.subscriptions(tenant: tenant) where subscription["status"]?.string == "active" {
            let quantity = subscription["quantity"]?.integer ?? 0
            let refundable = subscription["refundableQuantity"]?["totalQuantity"]?.integer ?? 0
            let name = "\(subscription["offerName"]?.string ?? "subscription") \(subscription["id"]?.string ?? "")"
            if refundable >= quantity {
                try partnerCenter.patch(tenant: tenant, subscription, ["status": "deleted"])
                engine.log("\(message.address): cancelled \(name)")
            } else {
                if subscription["autoRenewEnabled"] != .bool(false) { try partnerCenter.patch(tenant: tenant, subscription, ["autoRenewEnabled": false]) }
                let end = String((subscription["commitmentEndDate"]?.string ?? "its term end").prefix(10))
                ending.append(
                    "\(name) (\(quantity - refundable) of \(quantity) licences past the 7-day cancellation window) no longer renews and ends on \(end)")
            }
        }
        guard ending.isEmpty else {
            throw .refused(
                "\(message.address) cannot be removed from Partner Center yet: \(ending.joined(separator: "; ")). "
                    + "Deprovision it again after that date, when its subscriptions have ended")
        }
        try partnerCenter.removeRelationship(tenant: tenant)
        return [:]
    }

    /// The tenant of the customer `message` is about: the one this engine answered, else the
    /// Partner Center customer with the customer code's onmicrosoft.com domain.
    private func customerTenant(_ message: EngineMessage) throws(MicrosoftFailure) -> String {
        if message.kind == "customer", let tenant = message.outputs["tenantId"]?.string { return tenant }
        let ownCustomer = message.json["customer"]?["engine"]?.string == message.json["engine"]?.string
        if ownCustomer, let tenant = message.customerOutputs["tenantId"]?.string { return tenant }
        let code = message.customer ?? ""
        let domain = PartnerCenter.domain(of: code)
        guard let found = try partnerCenter.customer(domain: domain), let tenant = found["id"]?.string else {
            throw .refused(
                "customer \(code) has no Microsoft tenant: Partner Center has no customer with the domain \(domain). Put the customer on a "
                    + "Microsoft engine (its engine) so Provisor creates it, or create it in Partner Center with that domain")
        }
        return tenant
    }

    // MARK: - Users

    private func userBody(_ user: [String: JSONValue], creating: Bool) -> [String: JSONValue] {
        var body: [String: JSONValue] = [:]
        if let upn = user["upn"]?.string {
            body["userPrincipalName"] = .string(upn)
            if creating { body["mailNickname"] = .string(String(upn.split(separator: "@").first ?? "")) }
        }
        let names = [("displayName", "displayName"), ("firstName", "givenName"), ("lastName", "surname")]
        for (ours, theirs) in names { if let value = user[ours]?.string { body[theirs] = .string(value) } }
        if let status = user["status"]?.string { body["accountEnabled"] = .bool(status == "active") } else if creating { body["accountEnabled"] = true }
        if body["displayName"] == nil, creating { body["displayName"] = body["userPrincipalName"] }
        return body
    }

    private func provisionUser(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let user = try ensureUser(message.attributes, tenant: tenant, address: message.address)
        return ["objectId": .string(user["id"]?.string ?? ""), "tenantId": .string(tenant)]
    }

    /// The Graph user with the attributes' UPN, made (with the attributes' password) when missing.
    private func ensureUser(_ attributes: [String: JSONValue], tenant: String, address: String) throws(MicrosoftFailure) -> JSONValue {
        let graph = Graph(client: client, tenant: tenant)
        guard let upn = attributes["upn"]?.string else { throw .refused("\(address) has no upn") }
        if let existing = try graph.user(upn) { return existing }
        guard let password = attributes["password"]?.string, password != "(sensitive)" else {
            throw .refused("\(address) has no password to create its Microsoft account with; give the user a password secretRef")
        }
        var body = userBody(attributes, creating: true)
        body["passwordProfile"] = ["password": .string(password), "forceChangePasswordNextSignIn": true]
        return try graph.createUser(.object(body))
    }

    private func updateUser(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let graph = Graph(client: client, tenant: tenant)
        let previous = message.json["previous"]?.object ?? [:]
        let key = message.outputs["objectId"]?.string ?? previous["upn"]?.string ?? message.attributes["upn"]?.string ?? ""
        guard let user = try graph.user(key), let id = user["id"]?.string else {
            throw .refused("\(message.address) is not in tenant \(tenant) (no user \(key)); provision it again with `provisor reconcile --refresh`")
        }
        var body = userBody(message.attributes, creating: false)
        if previous["password"] != nil, let password = message.attributes["password"]?.string {
            body["passwordProfile"] = ["password": .string(password), "forceChangePasswordNextSignIn": true]
        }
        try graph.updateUser(id, .object(body))
        return ["objectId": .string(id)]
    }

    private func deprovisionUser(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let graph = Graph(client: client, tenant: tenant)
        let key = message.outputs["objectId"]?.string ?? message.attributes["upn"]?.string ?? ""
        if let user = try graph.user(key), let id = user["id"]?.string { try graph.deleteUser(id) }
        return [:]
    }

    // MARK: - Licences

    /// Assigns the plan's SKU to the user, buying one more licence on the subscription of that
    /// SKU and term when none is free, or ordering the subscription when there is none.
    private func assignLicence(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let part = message.attributes["plan.license.sku"]?.string ?? ""
        let term = message.attributes["plan.license.term"]?.string ?? "P1M"
        let cycle = message.attributes["plan.license.billingCycle"]?.string ?? "monthly"
        guard let offer = catalog.offers[part] else {
            throw .refused(
                "\(message.address): SKU \(part) is not one the Microsoft engine can buy; add it to MICROSOFT_OFFERS as \(part)=PRODUCT:SKU:AVAILABILITY")
        }
        let tenant = try customerTenant(message)
        let graph = Graph(client: client, tenant: tenant)
        let attributes = message.json["user"]?.object ?? [:]
        guard let upn = attributes["upn"]?.string else { throw .refused("\(message.address) has no user upn") }
        let (found, firstSKUs) = try graph.userAndSKUs(upn)
        let user: JSONValue
        if let found { user = found } else { user = try ensureUser(attributes, tenant: tenant, address: message.address) }
        guard let userID = user["id"]?.string else { throw .refused("\(message.address): Graph answered a user without an id") }
        if let location = message.attributes["properties.usageLocation"]?.string, user["usageLocation"]?.string != location {
            try graph.updateUser(userID, ["usageLocation": .string(location)])
        }
        let outputs = { (sku: String) -> [String: JSONValue] in ["userId": .string(userID), "skuId": .string(sku), "tenantId": .string(tenant)] }
        // A plan moved to another SKU: the old licence goes in the same request as the new one.
        let previous = message.json["previous"]?["plan.license.sku"]?.string
        let replaced = previous.flatMap { $0 == part ? nil : firstSKUs[$0]?.id }.map { [$0] } ?? []
        if let sku = firstSKUs[part], case .array(let licences)? = user["assignedLicenses"], licences.contains(where: { $0["skuId"]?.string == sku.id }) {
            if !replaced.isEmpty { try graph.assignLicense(userID, add: [], remove: replaced) }
            return outputs(sku.id)
        }
        // Another process of this engine may take the licence found free, or the one just bought,
        // before this one assigns it: then read again and buy again, three times at most.
        var skus = firstSKUs
        for attempt in 1...3 {
            if attempt > 1 { skus = try graph.subscribedSKUs() }
            if (skus[part].map { $0.consumed >= $0.enabled }) ?? true {
                try buyOne(offer, enabled: skus[part]?.enabled ?? 0, term: term, cycle: cycle, tenant: tenant, address: message.address)
                skus = try graph.subscribedSKUs()
            }
            guard let sku = skus[part] else { throw .retry("\(message.address): the \(part) licence bought is not in tenant \(tenant) yet", after: 30) }
            do {
                try graph.assignLicense(userID, add: [sku.id], remove: replaced)
                return outputs(sku.id)
            } catch .refused(let reason) where reason.contains("does not have any available licenses") {
                engine.log("\(message.address): the \(part) licence was taken before it was assigned (attempt \(attempt) of 3)")
                if attempt == 3 { throw .retry("\(message.address): \(reason)", after: 10) }
            }
        }
        throw .retry("\(message.address): no \(part) licence could be assigned", after: 10)
    }

    /// Buys one licence of `offer`, unless licences already bought have not reached the tenant
    /// yet (Partner Center's quantity of the SKU above the `enabled` Graph reports: provisioning
    /// is asynchronous, PC dev/create-an-order): then it answers "retryable" and buys nothing, so
    /// a retry of a message that bought never buys a second licence.
    private func buyOne(_ offer: SKUCatalog.Offer, enabled: Int, term: String, cycle: String, tenant: String, address: String) throws(MicrosoftFailure) {
        let held = try partnerCenter.subscriptions(tenant: tenant).filter {
            ["active", "pending"].contains($0["status"]?.string) && catalog.part(ofOffer: $0["offerId"]?.string ?? "") == offer.part
        }
        let bought = held.reduce(0) { $0 + ($1["quantity"]?.integer ?? 0) }
        if bought > enabled {
            throw .retry(
                "\(address): \(bought - enabled) \(offer.part) licence\(bought - enabled == 1 ? " was" : "s were") bought and \(bought - enabled == 1 ? "has" : "have") not reached tenant \(tenant) yet; nothing more was bought",
                after: 30)
        }
        let matching = held.first { $0["status"]?.string == "active" && $0["termDuration"]?.string == term }
        if let subscription = matching {
            let quantity = (subscription["quantity"]?.integer ?? 0) + 1
            try partnerCenter.patch(tenant: tenant, subscription, ["quantity": .integer(quantity)])
            engine.log("\(address): bought one more \(offer.part) licence (\(quantity) on subscription \(subscription["id"]?.string ?? ""))")
        } else {
            try partnerCenter.order(tenant: tenant, offer: offer, quantity: 1, term: term, billingCycle: cycle)
            engine.log("\(address): ordered a \(offer.part) \(term) subscription")
        }
    }

    /// Takes the licence back from the user; the subscription's quantity stays (right-sizing's job).
    private func removeLicence(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let graph = Graph(client: client, tenant: tenant)
        let key = message.outputs["userId"]?.string ?? message.json["user"]?["upn"]?.string ?? ""
        guard let user = try graph.user(key), let id = user["id"]?.string else { return [:] }
        let part = message.attributes["plan.license.sku"]?.string ?? ""
        var sku = message.outputs["skuId"]?.string
        if sku == nil { sku = try graph.subscribedSKUs()[part]?.id }
        guard let sku, case .array(let licences)? = user["assignedLicenses"], licences.contains(where: { $0["skuId"]?.string == sku }) else { return [:] }
        try graph.assignLicense(id, add: [], remove: [sku])
        return [:]
    }

    // MARK: - Right-sizing

    /// The quantity from now on (a decrease only within the 7-day cancellation window, as
    /// Partner Center allows) and the quantity it renews with, scheduled for the renewal.
    private func adjust(_ message: EngineMessage) throws(MicrosoftFailure) -> [String: JSONValue] {
        let tenant = try customerTenant(message)
        let id = message.json["subscription"]?["id"]?.string ?? String(message.address.split(separator: "/").last ?? "")
        guard let quantity = message.json["subscription"]?["quantity"]?.integer else { throw .refused("\(message.address): the message has no quantity") }
        let renewal = message.json["subscription"]?["renewalQuantity"]?.integer ?? quantity
        var subscription = try partnerCenter.subscription(tenant: tenant, id: id)
        if subscription["quantity"]?.integer != quantity {
            do { subscription = try partnerCenter.patch(tenant: tenant, subscription, ["quantity": .integer(quantity)]) } catch .refused(let reason) {
                throw .refused("\(message.address): Partner Center refused the quantity \(quantity): \(reason)")
            }
        }
        let scheduled = subscription["scheduledNextTermInstructions"]?["quantity"]?.integer
        if renewal != quantity, scheduled != renewal {
            let ids = (subscription["offerId"]?.string ?? "").split(separator: ":").map(String.init)
            let product: JSONValue = [
                "productId": .string(ids.first ?? ""), "skuId": .string(ids.count > 1 ? ids[1] : ""), "availabilityId": .string(ids.count > 2 ? ids[2] : ""),
                "billingCycle": subscription["billingCycle"] ?? "monthly", "termDuration": subscription["termDuration"] ?? "P1M",
            ]
            do {
                try partnerCenter.patch(
                    tenant: tenant, subscription, ["scheduledNextTermInstructions": ["product": product, "quantity": .integer(renewal)]])
            } catch .refused(let reason) {
                throw .refused("\(message.address): Partner Center refused the renewal quantity \(renewal): \(reason)")
            }
        }
        return [:]
    }

    /// Every licence subscription of every customer, as `schemas/subscription.schema.json` says.
    private func readSubscriptions() throws(MicrosoftFailure) -> [JSONValue] {
        var found: [JSONValue] = []
        for customer in try partnerCenter.customers() {
            guard let tenant = customer["id"]?.string, let code = PartnerCenter.code(of: customer["companyProfile"]?["domain"]?.string ?? "") else { continue }
            for subscription in try partnerCenter.subscriptions(tenant: tenant) where subscription["status"]?.string == "active" {
                guard let part = catalog.part(ofOffer: subscription["offerId"]?.string ?? ""), let id = subscription["id"]?.string else { continue }
                var reading: [String: JSONValue] = [
                    "id": .string(id), "customer": .string(code), "sku": .string(part), "quantity": subscription["quantity"] ?? 0,
                    "term": subscription["termDuration"] ?? "P1M", "billingCycle": subscription["billingCycle"] ?? "monthly",
                    "termEnd": .string(String((subscription["commitmentEndDate"]?.string ?? "").prefix(10))),
                    "autoRenew": subscription["autoRenewEnabled"] ?? true, "trial": subscription["isTrial"] ?? false,
                ]
                if let renewal = subscription["scheduledNextTermInstructions"]?["quantity"] { reading["renewalQuantity"] = renewal }
                if case .array(let details)? = subscription["refundableQuantity"]?["details"] {
                    reading["batches"] = .array(
                        details.compactMap { detail -> JSONValue? in
                            guard let quantity = detail["quantity"], let until = detail["allowedUntilDateTime"]?.string,
                                let end = ISO8601DateFormatter().date(from: until)
                            else { return nil }
                            let added = ISO8601DateFormatter().string(from: end.addingTimeInterval(-7 * 86_400))
                            return ["quantity": quantity, "addedAt": .string(added), "refundableUntil": .string(until)]
                        })
                }
                found.append(.object(reading))
            }
        }
        return found
    }

    // MARK: - Reading back

    /// Every customer, its users and their licences, with the identifiers the engine answers.
    private func observe() throws(MicrosoftFailure) -> [ObservedItem] {
        var items: [ObservedItem] = settings.reseller.map { [ObservedItem(address: "reseller/\($0)", attributes: [:])] } ?? []
        for customer in try partnerCenter.customers() {
            guard let tenant = customer["id"]?.string, let domain = customer["companyProfile"]?["domain"]?.string,
                let code = PartnerCenter.code(of: domain)
            else { continue }
            var attributes: [String: JSONValue] = [:]
            if let name = customer["billingProfile"]?["companyName"] ?? customer["companyProfile"]?["companyName"] { attributes["name"] = name }
            if let country = customer["billingProfile"]?["defaultAddress"]?["country"] { attributes["address.country"] = country }
            items.append(ObservedItem(address: "customer/\(code)", attributes: attributes, outputs: ["tenantId": .string(tenant), "domain": .string(domain)]))
            let graph = Graph(client: client, tenant: tenant)
            let parts = Dictionary(try graph.subscribedSKUs().map { ($0.value.id, $0.key) }, uniquingKeysWith: { first, _ in first })
            for user in try graph.users() {
                guard let upn = user["userPrincipalName"]?.string, let id = user["id"]?.string, let name = upn.split(separator: "@").first else { continue }
                let address = "customer/\(code)/user/\(name)"
                var attributes: [String: JSONValue] = ["upn": .string(upn)]
                for (theirs, ours) in [("displayName", "displayName"), ("givenName", "firstName"), ("surname", "lastName")] {
                    if let value = user[theirs]?.string { attributes[ours] = .string(value) }
                }
                if case .bool(let enabled)? = user["accountEnabled"] { attributes["status"] = .string(enabled ? "active" : "disabled") }
                items.append(ObservedItem(address: address, attributes: attributes, outputs: ["objectId": .string(id)]))
                guard case .array(let licences)? = user["assignedLicenses"] else { continue }
                for (index, licence) in licences.enumerated() {
                    guard let sku = licence["skuId"]?.string, let part = parts[sku] else { continue }
                    let service = index == 0 ? settings.licenceService : "\(settings.licenceService):\(part.lowercased())"
                    var attributes: [String: JSONValue] = ["plan.license.sku": .string(part)]
                    if let location = user["usageLocation"] { attributes["properties.usageLocation"] = location }
                    items.append(
                        ObservedItem(
                            address: "\(address)/service/\(service)", attributes: attributes,
                            outputs: ["userId": .string(id), "skuId": .string(sku), "tenantId": .string(tenant)]))
                }
            }
        }
        return items
    }
}

extension Error {
    /// A failure as the kit answers it.
    fileprivate var engineFailure: EngineFailure {
        (self as? MicrosoftFailure)?.engineFailure ?? .refuse("\(self)")
    }
}
