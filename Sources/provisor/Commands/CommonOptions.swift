import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

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

extension ManifestOptions {
    /// The workspace these options name: a directory on disk, or a revision of a git
    /// repository (the manifests directory may also be given as `positional`).
    func workspace(positional: String? = nil, state: StateOptions? = nil) throws -> Workspace {
        let repository = try (repo ?? ref.map { _ in "." }).map(GitRepository.init(path:))
        return try Workspace.open(config: config, manifests: positional ?? manifests, state: state?.state,
                                  repository: repository, revision: repository == nil ? nil : ref ?? "HEAD")
    }
}

/// Prints `--timings` on standard error when asked.
func printTimings(_ stopwatch: Stopwatch, if wanted: Bool) {
    if wanted { Terminal.standardError.write(TimingsView.line(stopwatch.stages)) }
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
    case let failure as RunError:
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
