/// Load + structural checks + semantic checks + resolution: what `provisor validate` runs, and
/// the first step of every command that reads manifests.
public enum ManifestPipeline {
    public struct Report: Sendable {
        public var estate: Estate
        /// Every problem, structural, semantic and from resolution, sorted by file, line and column.
        public var diagnostics: [Diagnostic]
        /// The desired state; complete only when the report is valid.
        public var resolution: Resolution
        /// How long each stage took: loading (read, parse, decode), validation, resolution.
        public var timings: [(stage: String, duration: Duration)] = []

        public var isValid: Bool { !diagnostics.hasErrors }
        public var desired: DesiredState { resolution.desired }
    }

    /// Throws `SourceError` only when the source cannot be listed or is empty. With
    /// `ownership`, files owned by a reseller are also checked to stay inside its subtree.
    public static func run(_ source: some ManifestSource, ownership: Ownership? = nil) throws -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try ManifestLoader.load(from: source)
        let loadedAt = clock.now
        var (semantic, index) = Validator.check(loaded.estate)
        if let ownership { semantic += ownership.check(loaded.estate, index: index) }
        let validatedAt = clock.now
        let resolution = Resolution.resolve(loaded.estate, index: index)
        let resolvedAt = clock.now
        return Report(
            estate: loaded.estate, diagnostics: (loaded.diagnostics + semantic + resolution.diagnostics).sorted(),
            resolution: resolution,
            timings: [("load", loadedAt - start), ("validate", validatedAt - loadedAt), ("resolve", resolvedAt - validatedAt)])
    }
}
