import Foundation

/// Onboarding: turns what engines hold into Customer and User manifests and the list of
/// resources to adopt into the state.
public enum Importer {
    public struct Request: Sendable {
        /// The engines read.
        public var engines: [String]
        /// Everything they hold.
        public var observed: [ObservedResource]
        /// Only these customers; all when empty.
        public var customers: Set<String>
        /// The folder new customer folders go in, written as the manifests source lists paths.
        public var folder: String

        public init(engines: [String], observed: [ObservedResource], customers: Set<String>, folder: String) {
            self.engines = engines
            self.observed = observed
            self.customers = customers
            self.folder = folder
        }
    }

    /// Drafts the manifests, validates and resolves them with the existing ones (twice: the
    /// second time with the property values that make each assignment resolve to what the
    /// engine holds), and settles what is adopted. Reads the manifests through `source` and
    /// writes nothing. Throws `ImportDraftError` when the written manifests would not validate.
    public static func prepare(
        _ request: Request, source: some ManifestSource, ownership: Ownership?,
        existing: ManifestPipeline.Report, recorded: StateSnapshot
    ) throws -> ImportResult {
        let context = ImportContext(existing: existing, recorded: recorded, folder: request.folder)
        let byCustomer = Dictionary(grouping: request.observed.filter { $0.address.customer != nil && $0.address.kind != .subscription }) {
            $0.address.customer!
        }
        var drafts = byCustomer.keys.sorted().filter { request.customers.isEmpty || request.customers.contains($0) }.map { code in
            context.draft(code, observed: byCustomer[code]!.sorted { $0.address < $1.address })
        }
        var manifests = existing
        if drafts.contains(where: { !$0.files.isEmpty }) {
            manifests = try validate(drafts, source: source, ownership: ownership)
            let drafted = drafts.map(\.files)
            for index in drafts.indices { drafts[index].refine(with: manifests.desired, context: context) }
            // Resolved again only when refining changed a file: property values were added, or
            // an assignment routed elsewhere was dropped.
            if drafts.map(\.files) != drafted { manifests = try validate(drafts, source: source, ownership: ownership) }
        }
        let customers = drafts.map { $0.finish(with: manifests.desired) }
        let resellers = adoptResellers(request.observed, imported: customers, all: request.customers.isEmpty, context: context, desired: manifests.desired)
        var outputs: [ResourceAddress: [Attribute]] = [:]
        for resource in request.observed where !resource.outputs.isEmpty { outputs[resource.address] = resource.outputs }
        return ImportResult(engines: request.engines, resellers: resellers, customers: customers, manifests: manifests, outputs: outputs)
    }

    /// The resellers to adopt: those the engines hold that the manifests describe and the
    /// state has not recorded; with `--customer`, only those above the customers imported.
    static func adoptResellers(
        _ observed: [ObservedResource], imported: [ImportedCustomer], all: Bool, context: ImportContext,
        desired: DesiredState
    ) -> (adopted: [ResourceAddress], notes: [ImportNote]) {
        var wanted = Set<String>()
        for customer in imported where !customer.adopted.isEmpty {
            var reseller = desired.resource(at: .customer(customer.code))?["reseller"]?.description
            while let code = reseller, wanted.insert(code).inserted {
                reseller = desired.resource(at: .reseller(code))?["parent"]?.description
            }
        }
        var notes: [ImportNote] = []
        let candidates = observed.filter { resource in
            guard resource.address.kind == .reseller, !context.recorded.contains(resource.address),
                all || wanted.contains(resource.address.owner)
            else { return false }
            guard desired.resource(at: resource.address) != nil else {
                notes.append(
                    ImportNote(
                        .undescribed, resource.address,
                        "reseller \(resource.address.owner) is on \(resource.engine) but in no manifest; write its Reseller manifest, then run import again to adopt it"
                    ))
                return false
            }
            return true
        }
        let (adopted, adoptionNotes) = adopt(candidates, desired: desired)
        return (adopted, notes + adoptionNotes)
    }

    /// What of `observed` is adopted: what the manifests provision on the engine it was read
    /// from; with a note for the rest, and for each adopted resource the engine's values that
    /// differ from the manifests'.
    static func adopt(_ observed: [ObservedResource], desired: DesiredState) -> (adopted: [ResourceAddress], notes: [ImportNote]) {
        var notes: [ImportNote] = []
        var adopted: [ResourceAddress] = []
        for observed in observed.sorted(by: { $0.address < $1.address }) {
            guard let resource = desired.resource(at: observed.address), resource.engine == observed.engine else {
                let engine = desired.resource(at: observed.address)?.engine ?? "no engine"
                notes.append(ImportNote(.conflict, observed.address, "it is on \(observed.engine), but the manifests provision it on \(engine); not adopted"))
                continue
            }
            adopted.append(observed.address)
            let differences = observed.attributes.compactMap { attribute -> String? in
                guard let value = resource[attribute.name], !DriftDetector.same(value, attribute.value) else { return nil }
                if case .secret = value { return nil }
                return "\(attribute.name) is \(attribute.value) on the engine, \(value) in the manifests"
            }
            if !differences.isEmpty {
                notes.append(
                    ImportNote(
                        .differs, observed.address,
                        differences.joined(separator: "; ")
                            + " (adopted as the manifests say: provisor drift shows the difference, and reconcile --refresh sets the manifests' value)"))
            }
        }
        return (adopted, notes)
    }

    static func validate(_ drafts: [CustomerImport], source: some ManifestSource, ownership: Ownership?) throws -> ManifestPipeline.Report {
        let files = Dictionary(drafts.flatMap(\.files).map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
        let report = try ManifestPipeline.run(OverlaySource(source, adding: files), ownership: ownership)
        guard report.isValid else { throw ImportDraftError(diagnostics: report.diagnostics.filter { $0.severity == .error }) }
        return report
    }
}

extension ObservedResource {
    /// The value the engine reports for `name`, or nil.
    subscript(name: String) -> AttributeValue? {
        attributes.first { $0.name == name }?.value
    }
}
