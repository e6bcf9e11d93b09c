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

        let files = parallelMap(paths.count) { loadFile(paths[$0], from: source) }
        var estate = Estate()
        estate.reserveCapacity(for: files.map(\.estate))
        var diagnostics: [Diagnostic] = []
        for file in files {
            estate.append(file.estate)
            diagnostics += file.diagnostics
        }
        estate.files = paths
        return Result(estate: estate, diagnostics: diagnostics.sorted())
    }

    struct FileResult: Sendable {
        var estate = Estate()
        var diagnostics: [Diagnostic] = []
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
        var result = FileResult()
        result.estate.documentCount = parsed.documents.count
        for document in parsed.documents {
            ManifestDocument.decode(document, context: context, into: &result.estate)
        }
        result.diagnostics = context.diagnostics
        return result
    }
}
