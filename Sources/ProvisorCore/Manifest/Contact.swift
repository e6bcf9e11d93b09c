/// A person to contact: for a reseller or a customer.
public struct Contact: Sendable, Hashable {
    public var name: String?
    public var email: Located<String>?
    public var phone: String?
    /// Where the `contact` mapping is written.
    public var location: SourceLocation

    static let fields = ["name", "email", "phone"]

    init(_ reader: MappingReader) {
        name = reader.text("name")
        email = reader.formatted("email", .email)
        phone = reader.text("phone")
        location = reader.location
    }
}
