import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Onboard existing tenants: write their manifests from what the engines hold, and adopt them into the state.",
        discussion: """
            Reads the engines (nothing is sent to them). For each customer not managed yet, writes a Customer manifest and \
            its users' User manifests into a folder of its own (values the engine does not report are marked \
            "guessed"), matching engine users to existing User manifests by UPN, then by the part before the @, and \
            services to plans by SKU, then by name. Then records everything written or already described as \
            provisioned (audit entry "imported"), so the next reconcile --dry-run shows no changes for it. Nothing \
            already managed is rewritten or adopted again: running import twice is safe. Exit status: 0 when the \
            import (or --dry-run) succeeded, notes included; 1 on an error, with nothing written or recorded.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Option(name: .long, help: ArgumentHelp("Read this engine; repeat it to import a customer whose services live on other engines (a CSP engine's licences).", valueName: "NAME"))
    var engine: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only this customer; repeatable.", valueName: "CODE"))
    var customer: [String] = []

    @Option(name: .long, help: ArgumentHelp("The folder inside the manifests directory that new customer folders go in (default: <manifests>/customers).", valueName: "DIR"))
    var out: String?

    @Flag(name: .long, help: "Show what would be written and adopted; write and record nothing.")
    var dryRun = false

    @Option(name: .long, help: "Output format: human or json.")
    var format: Format = .human

    @Option(name: .long, help: ArgumentHelp("Read the simulated engines a rehearsal (reconcile --simulate DIR) keeps under DIR/<engine>; needs --state.", valueName: "DIR"))
    var simulate: String?

    @Option(name: .long, help: "Who the audit log names for the adoption (default: the OS user).")
    var actor: String?

    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false

    func validate() throws {
        if engine.isEmpty { throw ValidationError("name the engine to import from with --engine NAME") }
        if manifests.repo != nil || manifests.ref != nil {
            throw ValidationError("import writes new manifests into the manifests folder on disk; it cannot be combined with --repo or --ref")
        }
        if simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
    }

    func run() async throws {
        try await runReportingFailures {
            let workspace = try Workspace.open(manifests, state: state)
            let report = try workspace.validate()
            guard report.isValid else {
                throw CommandFailure(description: "error: the manifests are not valid, so nothing was imported (run provisor validate and fix the errors above)",
                                     diagnostics: report.diagnostics)
            }
            let known = report.estate.engines.map(\.name.value)
            for name in engine where !known.contains(name) {
                let hint = Suggestions.closest(to: name, in: known).map { "did you mean '\($0)'?" } ?? "known engines: \(known.sorted().joined(separator: ", "))"
                throw CommandFailure(description: "error: no Engine manifest names '\(name)' (\(hint))")
            }
            let folder = try outputFolder(workspace)
            let clock = ContinuousClock()
            var stages = report.timings
            var start = clock.now
            func lap(_ stage: String) {
                stages.append((stage, clock.now - start))
                start = clock.now
            }

            let engines = Array(Set(engine)).sorted()
            let readings = try await EngineReadings.read(report.estate.engines.filter { engines.contains($0.name.value) }, workspace: workspace,
                                                         recorded: .empty, simulate: simulate)
            var observed: [ObservedResource] = []
            for name in engines {
                switch readings.observations[name] {
                case .observed(let resources, _)?: observed += resources
                case .unreadable(let reason)?, .unsupported(let reason)?:
                    throw CommandFailure(description: "error: engine \(name) cannot be read, so there is nothing to import from it: \(reason); nothing was written or recorded")
                case nil:
                    throw CommandFailure(description: "error: engine \(name) was not read; nothing was written or recorded")
                }
            }
            lap("read engines")
            let found = Set(observed.compactMap(\.address.customer))
            for code in customer where !found.contains(code) {
                throw CommandFailure(description: "error: no customer '\(code)' on \(engines.joined(separator: ", ")) (check --customer; codes are case-sensitive)")
            }
            let request = Importer.Request(engines: engines, observed: observed, customers: Set(customer), folder: folder)
            func prepare(_ snapshot: StateSnapshot) throws -> ImportResult {
                do {
                    return try Importer.prepare(request, source: workspace.source, ownership: workspace.ownership, existing: report, recorded: snapshot)
                } catch let invalid as ImportDraftInvalid {
                    throw CommandFailure(description: "error: the manifests import would write do not validate, so nothing was written or recorded; fix the engine's data, or leave those customers out with --customer",
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
            lap("draft and resolve")
            if !dryRun, !result.adopted.isEmpty || !result.files.isEmpty {
                let store = try await workspace.openState()
                description = store.description
                let lock = try await store.acquireLock(.thisProcess(operation: "import", clock: workspace.clock))
                do {
                    let header = try await store.header()
                    // A state created just now has its lineage and serial 0: nothing moved on.
                    if header.serial != snapshot.header.serial || (snapshot.header.lineage != nil && header.lineage != snapshot.header.lineage) {
                        snapshot = try await store.snapshot()
                        result = try prepare(snapshot)
                    }
                    try await adopt(result, into: store, expectedSerial: snapshot.header.serial, commit: workspace.commit, at: workspace.clock.now())
                } catch {
                    try await store.releaseLock(lock)
                    throw error
                }
                try await store.releaseLock(lock)
                lap("write and adopt")
            }
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(ImportView.json(result, dryRun: dryRun))
            case .human: output.write(ImportView.human(result, dryRun: dryRun, state: description, colour: output.isColour))
            }
            lap("render")
            if timings { Terminal.standardError.write(timingLine(stages)) }
            return 0
        }
    }

    /// Where new customer folders go, as the manifests source lists paths: `--out`, which must
    /// be inside the manifests directory (or the next reconcile would not read what it adopted).
    private func outputFolder(_ workspace: Workspace) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workspace.manifests, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure(description: "error: import writes new files into the manifests directory, but '\(workspace.manifests)' is not a directory (check --manifests)")
        }
        // Written as DirectorySource lists paths, so drafted files are found among the existing ones.
        let prefix = DirectorySource(root: workspace.manifests).listingPrefix
        let listed = { (relative: Substring) in String((prefix + relative).reversed().drop { $0 == "/" }.reversed()) }
        guard let out else { return listed("customers") }
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let base = absolute(workspace.manifests), target = absolute(out)
        guard target == base || target.hasPrefix(base + "/") else {
            throw CommandFailure(description: "error: --out '\(out)' is outside the manifests directory '\(workspace.manifests)'; the next reconcile would not read what import adopts, and would deprovision it (choose a folder inside it)")
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
                throw CommandFailure(description: "error: \(file.path) appeared while import worked; nothing was written or recorded (run import again)")
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
                throw CommandFailure(description: "error: cannot write \(file.path): \(error.localizedDescription); nothing was written or recorded")
            }
        }
        do {
            try await store.commit(result.adoption(actor: actor ?? LockRequest.currentUser, commit: commit, expectedSerial: expectedSerial, at: date))
        } catch {
            removeWritten()
            throw error
        }
    }
}
