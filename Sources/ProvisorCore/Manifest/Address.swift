/// A postal address.
public struct Address: Sendable, Hashable {
    public var street: String?
    public var city: String?
    public var postalCode: String?
    public var region: String?
    public var country: String?
    /// Where the `address` mapping is written.
    public var location: SourceLocation

    static let fields = ["street", "city", "postalCode", "region", "country"]

    init(_ reader: MappingReader) {
        street = reader.text("street")
        city = reader.text("city")
        postalCode = reader.text("postalCode")
        region = reader.text("region")
        country = reader.formatted("country", .country)?.value
        location = reader.location
    }
}
