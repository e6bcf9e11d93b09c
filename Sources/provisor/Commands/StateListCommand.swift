import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List recorded resources in address order.",
        discussion: "Exit status: 0, or 1 when the state cannot be read."
    )

    @Option(name: .long, help: "Only this kind: \(ResourceAddress.Kind.resources.map(\.rawValue).joined(separator: ", ")).")
    var kind: ResourceAddress.Kind?

    @Option(name: .long, help: "Only this customer's resources (the customer, its services, users and their services).")
    var customer: String?

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            let recorded = try await options.open()
            let header = try await recorded.store?.header() ?? .empty
            let resources = try await recorded.store?.resources(matching: ResourceFilter(kind: kind, customer: customer)) ?? []
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.listJSON(resources, header: header))
            default: output.write(StateView.list(resources, header: header, store: recorded, colour: output.isColour))
            }
            return 0
        }
    }
}
