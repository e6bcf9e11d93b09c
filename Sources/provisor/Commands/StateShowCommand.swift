import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct StateShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one recorded resource with every recorded attribute and the outputs its engine answered.",
        discussion: "ADDRESS is one of: \(ResourceAddress.forms).\nExit status: 0, or 1 when there is no such recorded resource."
    )

    @Argument(help: "The resource's address, for example customer/JBL/user/alice.")
    var address: String

    @OptionGroup var options: StateReadOptions

    func run() async throws {
        try await runReportingFailures {
            guard let parsed = ResourceAddress(parsing: address) else {
                throw RunError(description: "error: '\(address)' is not a resource address (addresses look like \(ResourceAddress.forms))")
            }
            let recorded = try await options.open()
            guard let store = recorded.store else {
                throw RunError(description: "error: no state recorded yet (\(recorded.description)), so nothing is recorded at \(parsed)")
            }
            let waiting = try await store.unresolvedJournal().filter { $0.status == .sent && $0.address == parsed }
            guard let resource = try await store.resource(at: parsed) else {
                if let sent = waiting.first {
                    throw RunError(
                        description:
                            "error: nothing is recorded at \(parsed) in \(store.description) yet: its \(sent.action) message \(sent.messageID), sent to \(sent.payload?.engine ?? "?") at \(StateView.timestamp(sent.at)), waits for the engine's answer; the next provisor reconcile collects it"
                    )
                }
                throw RunError(description: "error: nothing is recorded at \(parsed) in \(store.description) (provisor state list shows what is)")
            }
            let (attributes, outputs) = try StateError.reading(store.description) { (try resource.decodedAttributes(), try resource.decodedOutputs()) }
            let output = Terminal.standardOutput
            switch options.format {
            case .json: output.write(StateView.showJSON(resource, attributes: attributes, outputs: outputs, waiting: waiting))
            default: output.write(StateView.show(resource, attributes: attributes, outputs: outputs, waiting: waiting, colour: output.isColour))
            }
            return 0
        }
    }
}
