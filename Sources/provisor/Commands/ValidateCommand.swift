import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load, check and resolve the manifests; print every problem as file:line:col.",
        discussion: "Exit status: 0 when the manifests are valid, 1 when they are not or cannot be read."
    )

    @Argument(help: "The manifests directory (same as --manifests).")
    var directory: String?

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Output format: human, json, github (workflow annotations) or gitlab (a Code Quality report).")
    var format: OutputFormat = .human

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Report only what changed since this git revision: problems in the files that changed (ownership included) and problems the change causes elsewhere.",
            valueName: "REV"))
    var changedSince: String?

    @OptionGroup var timing: TimingsOption

    func validate() throws {
        if format == .markdown {
            throw ValidationError("validate prints human, json, github or gitlab; markdown is for plans")
        }
    }

    func run() async throws {
        try await runReportingFailures {
            let workspace = try options.workspace(positional: directory)
            var report = try workspace.validate()
            if timing.timings { Terminal.standardError.write(TimingsView.line(report.timings)) }
            var scope: DiagnosticsView.Scope?
            if let changedSince {
                let base = try BaseRevision(changedSince, of: workspace, config: options.config, manifests: options.manifests)
                let (diagnostics, earlierErrors) = base.newProblems(in: report)
                report.diagnostics = diagnostics
                scope = DiagnosticsView.Scope(revision: changedSince, commit: base.commit, files: base.files, earlierErrors: earlierErrors)
            }
            let output = Terminal.standardOutput
            switch format {
            case .human, .markdown: output.write(DiagnosticsView.human(report, colour: output.isColour, scope: scope))
            case .json: output.write(try DiagnosticsView.json(report, scope: scope))
            case .github: output.write(DiagnosticsView.github(report))
            case .gitlab: output.write(DiagnosticsView.gitlab(report))
            }
            return report.isValid ? 0 : 1
        }
    }
}
