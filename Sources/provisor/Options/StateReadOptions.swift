import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// The options `state` subcommands share: where the state is, and the output format.
struct StateReadOptions: ParsableArguments {
    @Option(name: .long, help: "The repository configuration file (default: ./provisor.yaml when present).")
    var config: String?

    @OptionGroup var state: StateOptions

    @Option(name: .long, help: "Output format: human or json.")
    var format: OutputFormat = .human

    func validate() throws {
        if format != .human && format != .json { throw ValidationError("state commands print human or json") }
    }

    /// The state, to read it only, unless `writing`.
    func open(writing: Bool = false) async throws -> RecordedState {
        try await RecordedState.open(Workspace.open(config: config, manifests: nil, state: state.state), writing: writing)
    }
}
