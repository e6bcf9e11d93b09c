/// Load + structural checks + semantic checks: what `provisor validate` runs, and the first
/// step of every command that reads manifests.
public enum ManifestValidation {
    public struct Report: Sendable {
        public var estate: Estate
        /// Every problem, structural and semantic, sorted by file, line and column.
        public var diagnostics: [Diagnostic]

        public var isValid: Bool { !diagnostics.hasErrors }
    }

    /// Throws `SourceError` only when the source cannot be listed or is empty.
    public static func run(_ source: some ManifestSource) throws -> Report {
        let loaded = try ManifestLoader.load(from: source)
        let semantic = Validator.validate(loaded.estate)
        return Report(estate: loaded.estate, diagnostics: (loaded.diagnostics + semantic).sorted())
    }
}
