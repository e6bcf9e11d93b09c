/// The texts a store writes for one resource at one serial, with their `RowChecksum`.
public struct RecordedRow: Sendable {
    public var address: String
    public var parent: String?
    public var attributes: String
    public var outputs: String
    public var checksum: Int64

    public init(address: ResourceAddress, parent: ResourceAddress?, engine: String, attributes: AttributeDocument, outputs: AttributeDocument, serial: Int) {
        self.address = address.description
        self.parent = parent?.description
        self.attributes = attributes.json
        self.outputs = outputs.json
        checksum = RowChecksum.of(
            address: self.address, parent: self.parent, engine: engine, attributes: self.attributes, outputs: self.outputs, serial: serial)
    }
}

extension RecordedResource {
    /// What a store writes for it (a restored archive's resource, at its own serial).
    public func row(serial: Int) -> RecordedRow {
        RecordedRow(address: address, parent: parent, engine: engine, attributes: attributes, outputs: outputs, serial: serial)
    }
}

extension StateWrite.Resource {
    /// What a store writes for it at `serial`.
    public func row(serial: Int) -> RecordedRow {
        RecordedRow(address: address, parent: parent, engine: engine, attributes: attributes, outputs: outputs, serial: serial)
    }
}
