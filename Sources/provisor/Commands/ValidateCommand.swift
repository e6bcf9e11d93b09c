import Foundation
import ArgumentParser
import ProvisorCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load, check and resolve the manifests; print every problem as file:line:col.",
        discussion: "Exit status: 0 when the manifests are valid, 1 when they are not or cannot be read."
    )

    @Argument(help: "The manifests directory (same as --manifests).")
    var directory: String?

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Output format: human, json or github (workflow annotations).")
    var format: OutputFormat = .human

    @Flag(name: .long, help: "Print how long loading, validation and resolution took, on standard error.")
    var timings = false

    func validate() throws {
        if format == .markdown {
            throw ValidationError("validate prints human, json or github; markdown is for plans")
        }
    }

    func run() throws {
        try runReportingFailures {
            let workspace = try Workspace.open(options, positional: directory)
            let report = try workspace.validate()
            if timings { Terminal.standardError.write(timingLine(report.timings)) }
            let output = Terminal.standardOutput
            switch format {
            case .human, .markdown: output.write(DiagnosticsView.human(report, colour: output.isColour))
            case .json: output.write(try DiagnosticsView.json(report))
            case .github: output.write(DiagnosticsView.github(report))
            }
            return report.isValid ? 0 : 1
        }
    }
}
