import Foundation

/// Everything an import found, wrote and adopts.
public struct ImportResult: Sendable {
    public var engines: [String]
    /// The resellers the engines hold that the manifests describe and the state has not
    /// recorded, adopted (every one, or with `--customer` those above the customers imported),
    /// and the notes about the others.
    public var resellers: (adopted: [ResourceAddress], notes: [ImportNote])
    public var customers: [ImportedCustomer]
    /// The manifests with the new files, validated and resolved.
    public var manifests: ManifestPipeline.Report
    /// The outputs engines reported for what they hold, recorded with what is adopted.
    public var outputs: [ResourceAddress: [Attribute]] = [:]

    public var files: [ManifestFile] { customers.flatMap(\.files) }
    public var adopted: [ResourceAddress] { resellers.adopted + customers.flatMap(\.adopted) }
    public var notes: [ImportNote] { resellers.notes + customers.flatMap(\.notes) }

    /// The commit that adopts every resource: recorded as provisioned with the manifests'
    /// values, each with an "imported" audit entry. Nothing is sent to any engine.
    public func adoption(actor: String, commit: CommitInfo?, expectedSerial: Int, at date: Date) -> StateWrite {
        var upserts: [StateWrite.Resource] = []
        var audit: [AuditEntry] = []
        for address in adopted {
            guard let resource = manifests.desired.resource(at: address) else { continue }
            var record = StateWrite.Resource(resource)
            if let outputs = outputs[address] { record.outputs = AttributeDocument(outputs) }
            upserts.append(record)
            audit.append(
                AuditEntry(
                    at: date, actor: actor, address: address, action: "imported",
                    detail: "adopted from engine \(resource.engine)", commit: commit))
        }
        return StateWrite(upserts: upserts, audit: audit, expectedSerial: expectedSerial, at: date)
    }
}
