/// The Microsoft 365 SKUs the engine can buy: a plan's `license.sku` (the SKU part number Graph
/// reports) to the new-commerce catalog item Partner Center sells it as (product:sku) and the
/// availability ordered. Extend it with MICROSOFT_OFFERS="PART=PRODUCT:SKU:AVAILABILITY,…".
struct SKUCatalog: Sendable {
    struct Offer: Sendable {
        var part: String
        var catalogItem: String
        var availability: String
    }

    var offers: [String: Offer]

    static let builtIn: [Offer] = [
        Offer(part: "SPB", catalogItem: "CFQ7TTC0LCHC:0002", availability: "CFQ7TTC0MM8R"),
        Offer(part: "O365_BUSINESS_ESSENTIALS", catalogItem: "CFQ7TTC0LH18:0001", availability: "CFQ7TTC0MM8R"),
        Offer(part: "O365_BUSINESS_PREMIUM", catalogItem: "CFQ7TTC0LDPB:0001", availability: "CFQ7TTC0MM8R"),
        Offer(part: "SPE_E3", catalogItem: "CFQ7TTC0LFLZ:0001", availability: "CFQ7TTC0MM8R"),
        Offer(part: "VISIOCLIENT", catalogItem: "CFQ7TTC0HD33:0002", availability: "CFQ7TTC0MM8R"),
    ]

    init(extra: String?) {
        var offers = Dictionary(uniqueKeysWithValues: Self.builtIn.map { ($0.part, $0) })
        for entry in (extra ?? "").split(separator: ",") {
            let pair = entry.split(separator: "=", maxSplits: 1)
            let ids = pair.count == 2 ? pair[1].split(separator: ":") : []
            guard ids.count == 3 else { continue }
            offers[String(pair[0])] = Offer(part: String(pair[0]), catalogItem: "\(ids[0]):\(ids[1])", availability: String(ids[2]))
        }
        self.offers = offers
    }

    /// The SKU part number a subscription's `offerId` (product:sku[:availability]) sells.
    func part(ofOffer offerID: String) -> String? {
        let catalogItem = offerID.split(separator: ":").prefix(2).joined(separator: ":")
        return offers.values.first { $0.catalogItem == catalogItem }?.part
    }
}
