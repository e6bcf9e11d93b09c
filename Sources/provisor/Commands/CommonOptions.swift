import ArgumentParser
import Foundation
import ProvisorCore

/// Output formats; each command accepts the ones it can render.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human
    case json
    case markdown
    case github
}

/// Options every command that reads manifests shares.
struct ManifestOptions: ParsableArguments {
    @Option(name: .long, help: "The manifests directory (default: 'manifests:' in provisor.yaml, else ./manifests).")
    var manifests: String?

    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present).")
    var config: String?
}

/// Where the recorded state is.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite state database (default: 'state:' in provisor.yaml, else .provisor/state.db).")
    var state: String?
}

/// A failure that ends a command with a message on standard error and exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var diagnostics: [Diagnostic] = []
}

/// The configuration and manifests location a command works with, from its options.
struct Workspace {
    var config: RepositoryConfig
    var manifests: String
    /// The state backend, with a relative SQLite path already made relative to provisor.yaml.
    var state: RepositoryConfig.StateBackend
    /// The folder of provisor.yaml ("." without one): relative engine commands and files start here.
    var directory: String

    /// Reads provisor.yaml (`--config`, else ./provisor.yaml when present) and settles the
    /// manifests directory: positional argument, then `--manifests`, then the config's
    /// `manifests:` (relative to the config file), then ./manifests.
    static func open(_ options: ManifestOptions, positional: String? = nil, state: StateOptions? = nil) throws -> Workspace {
        try open(config: options.config, manifests: positional ?? options.manifests, state: state?.state)
    }

    /// As above, from the option values themselves.
    static func open(config configOption: String?, manifests manifestsOption: String?, state stateOption: String?) throws -> Workspace {
        var config = RepositoryConfig()
        var configDirectory = "."
        let path = configOption ?? (FileManager.default.fileExists(atPath: RepositoryConfig.fileName) ? RepositoryConfig.fileName : nil)
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(description: "error: configuration file '\(path)' does not exist or cannot be read (check --config)")
            }
            let parsed = RepositoryConfig.parse(Array(data), file: path)
            if parsed.diagnostics.hasErrors {
                throw CommandFailure(description: "error: \(path) is not a valid configuration", diagnostics: parsed.diagnostics)
            }
            config = parsed.config
            configDirectory = (path as NSString).deletingLastPathComponent
        }
        func fromConfig(_ relative: String) -> String {
            guard path != nil, !configDirectory.isEmpty, configDirectory != ".", !relative.hasPrefix("/") else { return relative }
            return (configDirectory as NSString).appendingPathComponent(relative)
        }
        let manifests = manifestsOption ?? fromConfig(config.manifests)
        var backend = config.state
        if let explicit = stateOption {
            backend = .sqlite(path: explicit)
        } else if case .sqlite(let relative) = backend {
            backend = .sqlite(path: fromConfig(relative))
        }
        return Workspace(config: config, manifests: manifests, state: backend, directory: configDirectory.isEmpty ? "." : configDirectory)
    }

    var source: DirectorySource { DirectorySource(root: manifests) }
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
    default:
        return error
    }
    return ExitCode(1)
}
