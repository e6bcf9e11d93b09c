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

/// A failure that ends a command with a message on standard error and exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var diagnostics: [Diagnostic] = []
}

/// The configuration and manifests location a command works with, from its options.
struct Workspace {
    var config: RepositoryConfig
    var manifests: String

    /// Reads provisor.yaml (`--config`, else ./provisor.yaml when present) and settles the
    /// manifests directory: positional argument, then `--manifests`, then the config's
    /// `manifests:` (relative to the config file), then ./manifests.
    static func open(_ options: ManifestOptions, positional: String? = nil) throws -> Workspace {
        var config = RepositoryConfig()
        var configDirectory = "."
        let path = options.config ?? (FileManager.default.fileExists(atPath: RepositoryConfig.fileName) ? RepositoryConfig.fileName : nil)
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
        let manifests: String
        if let explicit = positional ?? options.manifests {
            manifests = explicit
        } else if path != nil, !configDirectory.isEmpty, configDirectory != ".", !config.manifests.hasPrefix("/") {
            manifests = (configDirectory as NSString).appendingPathComponent(config.manifests)
        } else {
            manifests = config.manifests
        }
        return Workspace(config: config, manifests: manifests)
    }

    var source: DirectorySource { DirectorySource(root: manifests) }
}

/// Runs a command body, turning failures into their message and exit code 1.
func runReportingFailures(_ body: () throws -> Int32) throws {
    let status: Int32
    do {
        status = try body()
    } catch let failure as CommandFailure {
        for diagnostic in failure.diagnostics { Terminal.standardError.write(DiagnosticsView.line(diagnostic, colour: Terminal.standardError.isColour) + "\n") }
        Terminal.standardError.write(failure.description + "\n")
        throw ExitCode(1)
    } catch let error as SourceError {
        Terminal.standardError.write("\(error)\n")
        throw ExitCode(1)
    }
    if status != 0 { throw ExitCode(status) }
}
