import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit

/// Output formats; each command accepts the ones it can render.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human
    case json
    case markdown
    case github
}

/// Options every command that reads manifests shares.
struct ManifestOptions: ParsableArguments {
    @Option(name: .long, help: "The manifests directory (default: 'manifests:' in provisor.yaml, else ./manifests); with --repo, a path from the repository's top folder.")
    var manifests: String?

    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present; with --ref, provisor.yaml at that revision).")
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Read the manifests from this git repository (default: the current folder when --ref is given).", valueName: "PATH"))
    var repo: String?

    @Option(name: .long, help: ArgumentHelp("Read the manifests at this git revision, without a checkout: a branch, tag, SHA, HEAD~N or origin/main (default: HEAD when --repo is given).", valueName: "REV"))
    var ref: String?
}

/// Where the recorded state is.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: "The state: a SQLite file, a postgres:// URL (password from PGPASSWORD), or env:NAME naming a variable that holds the URL (default: 'state:' in provisor.yaml, else .provisor/state.db).")
    var state: String?
}

/// A failure that ends a command with a message on standard error and exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var diagnostics: [Diagnostic] = []
}

/// The configuration and manifests a command works with, from its options: a directory on
/// disk, or a revision of a git repository.
struct Workspace {
    var config: RepositoryConfig
    /// The manifests directory on disk, or the folder in the repository's tree.
    var manifests: String
    var source: any ManifestSource
    /// The state backend, with a relative SQLite path already made relative to provisor.yaml.
    var state: RepositoryConfig.StateBackend
    /// The folder of provisor.yaml ("." without one): relative engine commands and files start here.
    var directory: String
    /// The repository, when the manifests come from git (a revision or its working tree).
    var repository: GitRepository?
    /// What manifest paths start with before the path from provisor.yaml's folder, which
    /// owner globs are written against ("examples/" for examples/provisor.yaml).
    var ownerBase: String
    /// The time this run's journal, audit log, lock and readings record: the machine's, unless
    /// the command pins it (`rightsize --at` in a rehearsal).
    var clock = WallClock.system

    /// The git commit the manifests come from; nil for files on disk.
    var commit: CommitInfo? { source.commit }

    /// Delegation as provisor.yaml sets it.
    var ownership: Ownership {
        let base = ownerBase
        return Ownership(grants: config.grants) { path in
            var path = path
            while path.hasPrefix("./") { path.removeFirst(2) }
            return path.hasPrefix(base) ? String(path.dropFirst(base.utf8.count)) : path
        }
    }

    /// Loads, validates (ownership included) and resolves the manifests.
    func validate() throws -> ManifestValidation.Report {
        try ManifestValidation.run(source, ownership: ownership)
    }

    /// Settles the workspace from a command's options.
    static func open(_ options: ManifestOptions, positional: String? = nil, state: StateOptions? = nil) throws -> Workspace {
        let repository = try (options.repo ?? options.ref.map { _ in "." }).map(GitRepository.init(path:))
        return try open(config: options.config, manifests: positional ?? options.manifests, state: state?.state,
                        repository: repository, revision: repository == nil ? nil : options.ref ?? "HEAD")
    }

    /// Paths in provisor.yaml are relative to its folder.
    ///
    /// Without a revision, provisor.yaml is `--config`, else ./provisor.yaml (the repository's,
    /// with `--repo`) when present, and the manifests are `--manifests`, else `manifests:`,
    /// else ./manifests. With a revision, `--config` (default provisor.yaml) and `--manifests`
    /// are paths from the repository's top folder, read from that revision's tree.
    static func open(config configOption: String?, manifests manifestsOption: String?, state stateOption: String?,
                     repository: GitRepository? = nil, revision: String? = nil) throws -> Workspace {
        let top = repository?.prefix ?? ""
        var configPath: String?
        var parsed: (config: RepositoryConfig, diagnostics: [Diagnostic])?
        // The config's folder as a path from the repository's top, for a revision.
        var treeFolder = ""
        if let repository, let revision {
            let path = configOption.map { repository.treePath(of: $0) } ?? RepositoryConfig.fileName
            if let bytes = try repository.file(path, at: revision) {
                configPath = path
                parsed = RepositoryConfig.parse(bytes, file: path)
            } else if configOption != nil {
                throw CommandFailure(description: "error: configuration file '\(path)' does not exist at \(revision) (with --ref, --config is a path from the repository's top folder)")
            }
            treeFolder = (path as NSString).deletingLastPathComponent
        } else {
            configPath = configOption
            if configPath == nil, FileManager.default.fileExists(atPath: top + RepositoryConfig.fileName) { configPath = top + RepositoryConfig.fileName }
            if let path = configPath {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure(description: "error: configuration file '\(path)' does not exist or cannot be read (check --config)")
                }
                parsed = RepositoryConfig.parse(Array(data), file: path)
            }
        }
        if let parsed, parsed.diagnostics.hasErrors {
            throw CommandFailure(description: "error: \(configPath!) is not a valid configuration", diagnostics: parsed.diagnostics)
        }
        let config = parsed?.config ?? RepositoryConfig()
        let configDirectory = revision != nil ? top + treeFolder : (configPath.map { ($0 as NSString).deletingLastPathComponent } ?? top)
        func join(_ folder: String, _ relative: String) -> String {
            guard !folder.isEmpty, folder != ".", !relative.hasPrefix("/") else { return relative }
            return (folder as NSString).appendingPathComponent(relative)
        }
        var backend = config.state
        if let explicit = stateOption {
            backend = RepositoryConfig.StateBackend(option: explicit)
        } else if case .sqlite(let relative) = backend {
            backend = .sqlite(path: join(configDirectory, relative))
        }
        let directory = configDirectory.isEmpty ? "." : configDirectory

        let manifests: String
        let source: any ManifestSource
        if let repository, let revision {
            manifests = manifestsOption ?? join(treeFolder, config.manifests)
            source = try repository.source(at: revision, manifests: manifests)
        } else {
            manifests = manifestsOption.map { repository == nil ? $0 : join(top, $0) } ?? join(configDirectory, config.manifests)
            source = DirectorySource(root: manifests)
        }
        let ownerFolder = revision != nil ? treeFolder : configDirectory
        let ownerBase = ownerFolder.isEmpty || ownerFolder == "." ? "" : (ownerFolder.hasSuffix("/") ? ownerFolder : ownerFolder + "/")
        return Workspace(config: config, manifests: manifests, source: source, state: backend, directory: directory,
                         repository: repository, ownerBase: ownerBase)
    }
}

/// Runs a command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () throws -> Int32) throws {
    let status: Int32
    do {
        status = try body()
    } catch {
        throw report(error)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Runs an asynchronous command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () async throws -> Int32) async throws {
    let status: Int32
    do {
        status = try await body()
    } catch {
        throw report(error)
    }
    if status != 0 { throw ExitCode(status) }
}

/// Prints a failure's message on standard error; returns the exit to throw (1, or the
/// original error when it is not one of Provisor's).
private func report(_ error: Error) -> Error {
    switch error {
    case let failure as CommandFailure:
        for diagnostic in failure.diagnostics { Terminal.standardError.write(DiagnosticsView.line(diagnostic, colour: Terminal.standardError.isColour) + "\n") }
        Terminal.standardError.write(failure.description + "\n")
    case let error as SourceError:
        Terminal.standardError.write("\(error)\n")
    case let error as StateError:
        Terminal.standardError.write("\(error)\n")
    case let error as GitError:
        Terminal.standardError.write("\(error)\n")
    default:
        return error
    }
    return ExitCode(1)
}
