import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorRuntime

/// The example estate copied into a git repository of its own, with a state file and a folder
/// of simulated engines beside it: for runs in-process, as `reconcile --simulate` rehearses.
/// The manifests are committed at a pinned date, so commits, plans and views come out the same
/// on every run. Removed when released.
public final class ExampleRehearsal {
    public let repository: TemporaryRepository
    /// The repository's folder.
    public var directory: String { repository.path }
    /// The SQLite state file (not created until a run writes).
    public var state: String { directory + "/state.db" }
    /// The rehearsal's engines: each simulated engine keeps its tenant model in `engines/<name>`.
    public var engines: String { directory + "/engines" }

    /// The package's top folder, where examples/ is.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every secret the examples reference, set to a value that must never be stored.
    public static let secrets: [String: String] = {
        var names = Set<String>()
        for text in exampleManifests() {
            for match in text.matches(of: /env:([A-Z0-9_]+)/) { names.insert(String(match.1)) }
        }
        return Dictionary(uniqueKeysWithValues: names.map { ($0, "s3cret-\($0.lowercased())") })
    }()

    /// Every engine the example estate names.
    public static let engineNames: [String] = {
        var names: [String] = []
        for text in exampleManifests() {
            for match in text.matches(of: /kind: Engine\nmetadata: \{ name: ([a-z0-9-]+) \}/) { names.append(String(match.1)) }
        }
        return names.sorted()
    }()

    /// Copies examples/provisor.yaml and examples/manifests and commits them.
    public init() throws {
        repository = try TemporaryRepository()
        for item in ["provisor.yaml", "manifests"] {
            try FileManager.default.copyItem(
                at: Self.packageRoot.appendingPathComponent("examples/\(item)"),
                to: repository.url.appendingPathComponent(item))
        }
        try commit("The example estate")
    }

    /// Commits every change in the folder at the pinned date (the state and engines are
    /// ignored).
    public func commit(_ message: String) throws {
        try repository.write(".gitignore", "state.db*\nengines/\n")
        try repository.git(["add", "-A"])
        let date = "2026-11-20T12:00:00Z"
        try repository.git(["commit", "-q", "-m", message], environment: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
    }

    /// The workspace a command run in the folder would use, on the pinned clock, with the
    /// examples' secrets as its environment.
    public func workspace(clock: WallClock = PinnedTime.clock) throws -> Workspace {
        var workspace = try Workspace.open(config: directory + "/provisor.yaml", manifests: nil, state: state)
        workspace.clock = clock
        workspace.environment = Self.secrets
        return workspace
    }

    /// Stands every simulated engine's clock at `date`: what they buy, renew and refund follows
    /// that calendar.
    public func setClock(_ date: String) throws {
        for engine in Self.engineNames { try simulatedEngine(engine, ["--clock", date]) }
    }

    /// Runs the simulated engine on `engine`'s model, as a technician changing it out of band
    /// would (`--set ADDRESS NAME=VALUE`, `--remove ADDRESS`, …).
    public func simulatedEngine(_ engine: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SimulatedEngineProgram.executable())
        process.arguments = ["--state-dir", engines + "/" + engine, "--engine", engine] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RunError(description: "the simulated engine failed on \(engine) with \(arguments)")
        }
    }

    /// Replaces `old` with `new` in a manifest, by its path from the folder.
    public func edit(_ relative: String, replacing old: String, with new: String) throws {
        try repository.edit(relative) { text in
            precondition(text.contains(old), "\(relative) does not contain \(old)")
            return text.replacingOccurrences(of: old, with: new)
        }
    }

    private static func exampleManifests() -> [String] {
        let manifests = packageRoot.appendingPathComponent("examples/manifests").path
        return (FileManager.default.enumerator(atPath: manifests)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .compactMap { try? String(contentsOfFile: manifests + "/" + $0, encoding: .utf8) }
    }
}
