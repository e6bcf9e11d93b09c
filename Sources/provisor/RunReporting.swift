import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

/// Prints `--timings` on standard error when asked.
func printTimings(_ stopwatch: Stopwatch, if wanted: Bool) {
    if wanted { Terminal.standardError.write(TimingsView.line(stopwatch.stages)) }
}

/// The date `--at` gives, or a clear error.
func atDate(_ text: String) throws -> Date {
    guard let parsed = ISODate.parse(text) else {
        throw RunError(description: "error: --at '\(text)' is not a date; write it like 2026-11-21 or 2026-11-21T09:00:00Z")
    }
    return parsed
}

/// Runs a command body, turning failures into their message and exit code 1.
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
