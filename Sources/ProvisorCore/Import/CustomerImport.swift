import Foundation

/// One customer while it is imported: what is written, what is adopted, and the notes.
struct CustomerImport: Sendable {
    var code: String
    var status: ImportedCustomer.Status
    /// The folder its new files go in.
    var folder: String
    /// The Customer manifest written for a new customer.
    var customer: CustomerManifestDraft?
    /// The User manifests written.
    var users: [UserManifestDraft] = []
    /// Resources the existing manifests describe, to adopt.
    var candidates: [ObservedResource] = []
    var notes: [ImportNote] = []
    var files: [ManifestFile] = []
    /// The engines its resources were read from, for the files' header.
    var engines: [String] = []
    /// The manifest paths that exist already.
    let taken: Set<String>

    init(code: String, status: ImportedCustomer.Status, folder: String, taken: Set<String>) {
        self.code = code
        self.status = status
        self.folder = folder
        self.taken = taken
    }

    /// Imports nothing of this customer, and says why.
    mutating func skip(_ reason: String) {
        status = .skipped
        customer = nil
        users = []
        candidates = []
        files = []
        notes.append(ImportNote(.conflict, .customer(code), reason))
    }

    /// Writes the files: the Customer manifest, and the User manifests in one file, sorted by
    /// username. A path a manifest has already is never used: the next free name is.
    mutating func render() {
        let header = YAMLWriter.header(engines: engines)
        files = []
        var used = taken
        func free(_ name: String) -> String {
            let base = folder.isEmpty ? "" : folder + "/"
            var path = "\(base)\(name).yaml", number = 2
            if used.contains(path) { path = "\(base)\(name)-imported.yaml" }
            while used.contains(path) {
                path = "\(base)\(name)-imported-\(number).yaml"
                number += 1
            }
            used.insert(path)
            return path
        }
        if let customer { files.append(ManifestFile(path: free("customer"), text: header + customer.text)) }
        if !users.isEmpty {
            let documents = users.sorted { $0.username < $1.username }.map { "---\n" + $0.text }
            files.append(ManifestFile(path: free("users"), text: header + documents.joined()))
        }
    }

    /// After a first resolution: drops what the manifests would provision on another engine,
    /// and gives each written assignment the property values that make it resolve to what
    /// the engine holds.
    mutating func refine(with desired: DesiredState, context: ImportContext) {
        if let customer, desired.resource(at: customer.observed.address)?.engine != customer.observed.engine {
            skip(
                "the written manifest would provision customer \(code) on \(desired.resource(at: customer.observed.address)?.engine ?? "no engine"), not on \(customer.observed.engine), where it is"
            )
            return
        }
        func refined(_ assignments: [DraftAssignment]) -> [DraftAssignment] {
            assignments.compactMap { assignment in
                let observed = assignment.observed
                guard let resource = desired.resource(at: assignment.address), resource.engine == observed.engine else {
                    let engine = desired.resource(at: assignment.address)?.engine ?? "no engine"
                    notes.append(
                        ImportNote(
                            .conflict, assignment.address,
                            "it is on \(observed.engine), but the manifests provision service \(assignment.service) on \(engine); import it with --engine \(engine), or set the service's engine for this customer; not imported"
                        ))
                    return nil
                }
                var assignment = assignment
                let definitions = context.services[assignment.service]
                for attribute in observed.attributes where attribute.name.hasPrefix("properties.") {
                    let name = String(attribute.name.dropFirst("properties.".count))
                    guard let definition = definitions?.property(name), !definition.locked else { continue }
                    if let value = resource[attribute.name], DriftDetector.same(value, attribute.value) { continue }
                    assignment.properties[name] = attribute.value
                }
                return assignment
            }
        }
        if customer != nil { customer!.services = refined(customer!.services) }
        for index in users.indices { users[index].services = refined(users[index].services) }
        render()
    }

    /// Settles what is adopted: everything written or described that the manifests provision
    /// on the engine it was read from; and notes where the engine's values differ.
    func finish(with desired: DesiredState) -> ImportedCustomer {
        let written =
            (customer.map { [$0.observed] } ?? []) + (customer?.services.map(\.observed) ?? [])
            + users.flatMap { [$0.observed] + $0.services.map(\.observed) }
        let (adopted, notes) = Importer.adopt(written + candidates, desired: desired)
        return ImportedCustomer(code: code, status: status, files: files, adopted: adopted, notes: self.notes + notes)
    }
}
