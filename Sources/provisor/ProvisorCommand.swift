import ArgumentParser

@main
struct ProvisorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisor",
        abstract: "GitOps reconciler for managed-service and cloud-solution providers.",
        discussion: "Validates the estate described in YAML manifests, resolves inheritance and provisions it through engines.",
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, ExplainCommand.self, PlanCommand.self, ReconcileCommand.self, DriftCommand.self, RightsizeCommand.self, ImportCommand.self,
            DiffCommand.self, StateCommand.self, HistoryCommand.self, ReportCommand.self, NewCommand.self,
        ]
    )
}
