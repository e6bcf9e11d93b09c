import Dispatch

/// Reads every manifest file of a source, parses and decodes them in parallel, and returns
/// the estate with every structural diagnostic, sorted.
public enum ManifestLoader {
    public struct Result: Sendable {
        public var estate: Estate
        public var diagnostics: [Diagnostic]
    }

    /// Throws `SourceError` when the source itself cannot be listed or holds no manifests;
    /// a single unreadable or malformed file is a diagnostic, not a throw.
    public static func load(from source: some ManifestSource) throws -> Result {
        let paths = try source.manifestPaths()
        guard !paths.isEmpty else { throw SourceError.noManifests(source.description) }

        let results = ResultSlots(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            results.store(loadFile(paths[index], from: source), at: index)
        }

        var estate = Estate()
        var diagnostics: [Diagnostic] = []
        estate.files = paths
        for file in results.take() {
            estate.documentCount += file.documentCount
            for manifest in file.manifests { estate.add(manifest) }
            diagnostics += file.diagnostics
        }
        return Result(estate: estate, diagnostics: diagnostics.sorted())
    }

    struct FileResult: Sendable {
        var manifests: [Manifest] = []
        var diagnostics: [Diagnostic] = []
        var documentCount = 0
    }

    static func loadFile(_ path: String, from source: some ManifestSource) -> FileResult {
        let bytes: [UInt8]
        do {
            bytes = try source.read(path)
        } catch {
            let reason = (error as? SourceError).map { "\($0)" } ?? "\(error)"
            return FileResult(diagnostics: [.error(at: SourceLocation(file: path, line: 0, column: 0), "cannot read file: \(reason)")])
        }
        let parsed = YAMLParser.parse(bytes, file: path)
        let context = DecodeContext(file: path)
        context.diagnostics = parsed.diagnostics
        var result = FileResult(documentCount: parsed.documents.count)
        result.manifests.reserveCapacity(parsed.documents.count)
        for document in parsed.documents {
            if let manifest = ManifestDocument.decode(document, context: context) {
                result.manifests.append(manifest)
            }
        }
        result.diagnostics = context.diagnostics
        return result
    }
}

/// Write-once slots filled from `concurrentPerform`: each index is written by exactly one
/// iteration, and read only after all iterations have finished.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<ManifestLoader.FileResult?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ result: ManifestLoader.FileResult, at index: Int) { slots[index] = result }

    func take() -> [ManifestLoader.FileResult] { slots.map { $0! } }
}
