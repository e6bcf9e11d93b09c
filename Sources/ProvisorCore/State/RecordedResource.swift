import Foundation

/// One resource as Provisor last provisioned it.
public struct RecordedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var attributes: AttributeDocument
    /// The serial of the commit that last wrote it.
    public var serial: Int
    public var updatedAt: Date

    public init(address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument, serial: Int, updatedAt: Date) {
        self.address = address
        self.parent = parent
        self.engine = engine
        self.attributes = attributes
        self.serial = serial
        self.updatedAt = updatedAt
    }

    public var kind: ResourceAddress.Kind { address.kind }
}

extension RecordedResource {
    /// The decoded attributes; a damaged record is a ``CorruptRecordError``.
    public func decodedAttributes() throws -> [Attribute] {
        do {
            return try attributes.decode()
        } catch {
            throw CorruptRecordError(address: address.description, reason: error.description)
        }
    }
}
