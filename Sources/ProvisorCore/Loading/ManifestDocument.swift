/// The API version every manifest declares.
public let manifestAPIVersion = "provisor/v1"

/// One document's envelope (`apiVersion`, `kind`, `metadata`, `spec`), checked and ready for
/// its kind to decode.
struct ManifestDocument {
    let context: DecodeContext
    let root: MappingReader
    let kind: ManifestKind
    let metadata: MappingReader
    var location: SourceLocation { root.location }

    /// The `spec` mapping. A missing spec is reported when the kind has required spec fields.
    func spec(known: [String], required: [String] = []) -> MappingReader? {
        guard let node = root["spec"] else {
            if !required.isEmpty {
                context.error(root.node, "missing required field 'spec' in \(kind.rawValue)", hint: "add 'spec:' with \(required.joined(separator: ", "))")
            }
            return nil
        }
        return context.mapping(node, "\(kind.rawValue) spec", known: known, required: required)
    }

    /// Decodes one YAML document and adds what it declares to `estate`, reporting every
    /// problem to `context`.
    static func decode(_ document: YAMLDocument, context: DecodeContext, into estate: inout Estate) {
        guard let manifest = ManifestDocument(document, context: context) else { return }
        switch manifest.kind {
        case .Engine: if let engine = Engine(manifest) { estate.engines.append(engine) }
        case .Service: if let service = Service(manifest) { estate.services.append(service) }
        case .Reseller: if let reseller = Reseller(manifest) { estate.resellers.append(reseller) }
        case .Customer: if let customer = Customer(manifest) { estate.customers.append(customer) }
        case .User: if let user = User(manifest) { estate.users.append(user) }
        }
    }

    /// Checks a document's envelope; nil (with diagnostics) when it cannot be decoded further.
    private init?(_ document: YAMLDocument, context: DecodeContext) {
        let rootNode = document.root
        guard case .mapping = rootNode.content else {
            context.error(rootNode, "a manifest must be a mapping with apiVersion, kind, metadata and spec, found \(rootNode.kindDescription)")
            return nil
        }
        guard
            let root = context.mapping(
                rootNode, "the manifest", known: ["apiVersion", "kind", "metadata", "spec"],
                required: ["apiVersion", "kind", "metadata"])
        else { return nil }
        if let version = root.string("apiVersion"), version.value != manifestAPIVersion {
            context.error(root["apiVersion"]!, "unsupported apiVersion '\(version.value)'", hint: "use apiVersion: \(manifestAPIVersion)")
        }
        guard let kindText = root.string("kind") else { return nil }
        guard let kind = ManifestKind(rawValue: kindText.value) else {
            context.error(
                root["kind"]!, "unknown kind '\(kindText.value)'",
                hint: Suggestions.hint(for: kindText.value, among: ManifestKind.allCases.map(\.rawValue), noun: "kinds"))
            return nil
        }
        let metadataFields: [String]
        switch kind {
        case .Engine: metadataFields = Engine.metadataFields
        case .Service: metadataFields = Service.metadataFields
        case .Reseller: metadataFields = Reseller.metadataFields
        case .Customer: metadataFields = Customer.metadataFields
        case .User: metadataFields = User.metadataFields
        }
        let identity = metadataFields.filter { $0 != "labels" && $0 != "annotations" }
        guard let metadataNode = root["metadata"],
            let metadata = context.mapping(metadataNode, "\(kind.rawValue) metadata", known: metadataFields, required: identity)
        else { return nil }
        for key in ["labels", "annotations"] {
            if let node = metadata[key] {
                for (name, value) in context.namedEntries(node, "metadata.\(key)") { _ = context.string(value, name.value) }
            }
        }
        self.init(context: context, root: root, kind: kind, metadata: metadata)
    }

    private init(context: DecodeContext, root: MappingReader, kind: ManifestKind, metadata: MappingReader) {
        self.context = context
        self.root = root
        self.kind = kind
        self.metadata = metadata
    }
}
