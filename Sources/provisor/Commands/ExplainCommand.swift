import ArgumentParser
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show every effective value of one resource, with the level and file:line that set it.",
        discussion: """
            ADDRESS is one of: \(ResourceAddress.forms).
            Exit status: 0 when the resource was explained, 1 when the manifests are invalid or there is no such resource.
            """
    )

    @Argument(help: "The resource's address, for example customer/JBL/user/alice/service/m365.")
    var address: String

    @OptionGroup var options: ManifestOptions

    @OptionGroup var state: StateOptions

    @Option(name: .long, help: "Output format: human or json.")
    var format: OutputFormat = .human

    func validate() throws {
        if format != .human && format != .json {
            throw ValidationError("explain prints human or json")
        }
    }

    func run() async throws {
        try await runReportingFailures {
            guard let parsed = ResourceAddress(parsing: address) else {
                throw RunError(description: "error: '\(address)' is not a resource address (addresses look like \(ResourceAddress.forms))")
            }
            let workspace = try options.workspace(state: state)
            let report = try workspace.validate()
            guard report.isValid else {
                throw RunError(
                    description: "error: the manifests are not valid, so nothing can be explained (run provisor validate and fix the errors above)",
                    diagnostics: report.diagnostics)
            }
            guard let explanation = report.resolution.explain(parsed) else {
                let closest = report.resolution.closestAddresses(to: address)
                let hint = closest.isEmpty ? "" : " (closest existing: \(closest.joined(separator: ", ")))"
                throw RunError(description: "error: no resource at '\(parsed)'\(hint)")
            }
            let grant = workspace.ownership.grant(covering: parsed, in: report.estate)
            let outputs = await Self.recordedOutputs(of: parsed, workspace: workspace)
            let output = Terminal.standardOutput
            switch format {
            case .json: output.write(try ExplainView.json(explanation, grant: grant, outputs: outputs))
            default: output.write(ExplainView.human(explanation, grant: grant, outputs: outputs, colour: output.isColour))
            }
            return 0
        }
    }

    /// The engine's outputs for `address` as the state recorded them; none when nothing is
    /// recorded. The explanation needs only the manifests, so a state that cannot be read is a
    /// warning, not a failure.
    static func recordedOutputs(of address: ResourceAddress, workspace: Workspace) async -> [Attribute] {
        do {
            guard let store = try await RecordedState.open(workspace).store, let resource = try await store.resource(at: address) else { return [] }
            return try StateError.reading(store.description) { try resource.decodedOutputs() }
        } catch {
            var reason = "\(error)"
            if reason.hasPrefix("error: ") { reason.removeFirst(7) }
            Terminal.standardError.write("warning: the outputs recorded for \(address) are not shown: \(reason)\n")
            return []
        }
    }
}
