import Foundation
import ProvisorCore

/// `provisor import`: read the engines (nothing is sent to them), draft manifests for the
/// customers not managed yet, write them into the manifests folder and adopt everything they
/// describe into the state in one commit. A dry run, a failure or nothing to do writes and
/// records nothing.
public struct ImportRun: Sendable {
    /// The engines to read, by name.
    public var engines: [String]
    /// Only these customers (all when empty).
    public var customers: [String]
    /// The folder new customer folders go in (default: <manifests>/customers).
    public var out: String?
    public var dryRun: Bool
    public var simulate: String?
    public var actor: String

    public init(
        engines: [String], customers: [String] = [], out: String? = nil, dryRun: Bool = false, simulate: String? = nil,
        actor: String = LockRequest.currentUser
    ) {
        self.engines = engines
        self.customers = customers
        self.out = out
        self.dryRun = dryRun
        self.simulate = simulate
        self.actor = actor
    }

    public struct Outcome: Sendable {
        public var result: ImportResult
        /// The state adopted into (or that would be).
        public var store: String
        public var stopwatch: Stopwatch
    }

    public func run(in workspace: Workspace) async throws -> Outcome {
        let report = try workspace.validReport("so nothing was imported")
        let known = report.estate.engines.map(\.name.value)
        for name in engines where !known.contains(name) {
            let hint = Suggestions.closest(to: name, in: known).map { "did you mean '\($0)'?" } ?? "known engines: \(known.sorted().joined(separator: ", "))"
            throw RunError(description: "error: no Engine manifest names '\(name)' (\(hint))")
        }
        let folder = try outputFolder(workspace)
        var stopwatch = Stopwatch(after: report.timings)

        let engines = Array(Set(self.engines)).sorted()
        let readings = try await EngineReadings.read(
            report.estate.engines.filter { engines.contains($0.name.value) }, workspace: workspace,
            recorded: .empty, simulate: simulate)
        var observed: [ObservedResource] = []
        for name in engines {
            switch readings.observations[name] {
            case .observed(let resources, _)?: observed += resources
            case .unreadable(let reason)?, .unsupported(let reason)?:
                throw RunError(
                    description: "error: engine \(name) cannot be read, so there is nothing to import from it: \(reason); nothing was written or recorded")
            case nil:
                throw RunError(description: "error: engine \(name) was not read; nothing was written or recorded")
            }
        }
        stopwatch.lap("read engines")
        let found = Set(observed.compactMap(\.address.customer))
        for code in customers where !found.contains(code) {
            throw RunError(description: "error: no customer '\(code)' on \(engines.joined(separator: ", ")) (check --customer; codes are case-sensitive)")
        }
        let request = Importer.Request(engines: engines, observed: observed, customers: Set(customers), folder: folder)
        func prepare(_ snapshot: StateSnapshot) throws -> ImportResult {
            do {
                return try Importer.prepare(request, source: workspace.source, ownership: workspace.ownership, existing: report, recorded: snapshot)
            } catch let invalid as ImportDraftError {
                throw RunError(
                    description:
                        "error: the manifests import would write do not validate, so nothing was written or recorded; fix the engine's data, or leave those customers out with --customer",
                    diagnostics: invalid.diagnostics)
            }
        }
        // Decided against the state as it is, read without creating it: a dry run, a failure or
        // nothing to do leaves no trace. Adopting takes the lock and decides again if the
        // state moved on meanwhile.
        let recorded = try await RecordedState.open(workspace)
        var snapshot = try await recorded.timedSnapshot().0
        var result = try prepare(snapshot)
        var description = recorded.description
        stopwatch.lap("draft and resolve")
        if !dryRun, !result.adopted.isEmpty || !result.files.isEmpty {
            let store = try await workspace.openState()
            description = store.description
            try await store.withLock("import", clock: workspace.clock) {
                let header = try await store.header()
                // A state created just now has its lineage and serial 0: nothing moved on.
                if header.serial != snapshot.header.serial || (snapshot.header.lineage != nil && header.lineage != snapshot.header.lineage) {
                    snapshot = try await store.snapshot()
                    result = try prepare(snapshot)
                }
                try await adopt(result, into: store, expectedSerial: snapshot.header.serial, commit: workspace.commit, at: workspace.clock.now())
            }
            stopwatch.lap("write and adopt")
        }
        return Outcome(result: result, store: description, stopwatch: stopwatch)
    }

    /// Where new customer folders go, as the manifests source lists paths: `--out`, which must
    /// be inside the manifests directory (or the next reconcile would not read what it adopted).
    private func outputFolder(_ workspace: Workspace) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workspace.manifests, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunError(
                description: "error: import writes new files into the manifests directory, but '\(workspace.manifests)' is not a directory (check --manifests)")
        }
        // Written as DirectorySource lists paths, so drafted files are found among the existing ones.
        let prefix = DirectorySource(root: workspace.manifests).listingPrefix
        let listed = { (relative: Substring) in String((prefix + relative).reversed().drop { $0 == "/" }.reversed()) }
        guard let out else { return listed("customers") }
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let base = absolute(workspace.manifests), target = absolute(out)
        guard target == base || target.hasPrefix(base + "/") else {
            throw RunError(
                description:
                    "error: --out '\(out)' is outside the manifests directory '\(workspace.manifests)'; the next reconcile would not read what import adopts, and would deprovision it (choose a folder inside it)"
            )
        }
        return listed(target.dropFirst(base.count).drop { $0 == "/" })
    }

    /// Writes the new files, then records the adoption in one commit; when the commit fails,
    /// the files are removed again, so nothing is half-imported.
    private func adopt(_ result: ImportResult, into store: ProvisorState, expectedSerial: Int, commit: CommitInfo?, at date: Date) async throws {
        // Every file written and every folder made, to remove again on failure.
        var written: [String] = []
        func removeWritten() { for path in written.reversed() { try? FileManager.default.removeItem(atPath: path) } }
        for file in result.files {
            guard !FileManager.default.fileExists(atPath: file.path) else {
                removeWritten()
                throw RunError(description: "error: \(file.path) appeared while import worked; nothing was written or recorded (run import again)")
            }
            do {
                var missing: [String] = []
                var folder = (file.path as NSString).deletingLastPathComponent
                while !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                    missing.append(folder)
                    folder = (folder as NSString).deletingLastPathComponent
                }
                for folder in missing.reversed() {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
                    written.append(folder)
                }
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: file.path), options: .withoutOverwriting)
                written.append(file.path)
            } catch {
                removeWritten()
                throw RunError(description: "error: cannot write \(file.path): \(error.localizedDescription); nothing was written or recorded")
            }
        }
        do {
            try await store.commit(result.adoption(actor: actor, commit: commit, expectedSerial: expectedSerial, at: date))
        } catch {
            removeWritten()
            throw error
        }
    }
}
