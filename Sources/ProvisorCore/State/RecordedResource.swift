import Foundation

/// One resource as Provisor last provisioned it.
public struct RecordedResource: Sendable, Hashable {
    public var address: ResourceAddress
    public var parent: ResourceAddress?
    public var engine: String
    public var attributes: AttributeDocument
    /// What the engine answered about what it made (a tenant id, an object id): kept across
    /// updates, sent with every later message for the resource, never planned.
    public var outputs: AttributeDocument
    /// The serial of the commit that last wrote it.
    public var serial: Int
    public var updatedAt: Date

    public init(
        address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument, outputs: AttributeDocument = .empty, serial: Int,
        updatedAt: Date
    ) {
        self.address = address
        self.parent = parent
        self.engine = engine
        self.attributes = attributes
        self.outputs = outputs
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

    /// The decoded outputs; a damaged record is a ``CorruptRecordError``.
    public func decodedOutputs() throws -> [Attribute] {
        do {
            return try outputs.decode()
        } catch {
            throw CorruptRecordError(address: address.description, reason: "its outputs: " + error.description)
        }
    }
}
