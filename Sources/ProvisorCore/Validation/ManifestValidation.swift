/// Load + structural checks + semantic checks + resolution: what `provisor validate` runs, and
/// the first step of every command that reads manifests.
public enum ManifestValidation {
    public struct Report: Sendable {
        public var estate: Estate
        /// Every problem, structural, semantic and from resolution, sorted by file, line and column.
        public var diagnostics: [Diagnostic]
        /// The desired state; complete only when the report is valid.
        public var resolution: Resolution

        public var isValid: Bool { !diagnostics.hasErrors }
        public var desired: DesiredState { resolution.desired }
    }

    /// Throws `SourceError` only when the source cannot be listed or is empty.
    public static func run(_ source: some ManifestSource) throws -> Report {
        let loaded = try ManifestLoader.load(from: source)
        let (semantic, index) = Validator.check(loaded.estate)
        let resolution = Resolution.resolve(loaded.estate, index: index)
        return Report(estate: loaded.estate, diagnostics: (loaded.diagnostics + semantic + resolution.diagnostics).sorted(),
                      resolution: resolution)
    }
}
