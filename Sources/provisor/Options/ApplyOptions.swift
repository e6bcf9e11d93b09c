import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

/// Options `provisor reconcile` adds for applying.
struct ApplyOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("Apply this saved plan (plan --out FILE) exactly; refused when the state or manifests moved since.", valueName: "FILE"))
    var plan: String?

    @Option(name: .long, help: "How many customers are worked on at once (each customer's changes stay in order).")
    var concurrency: Int = 8

    @OptionGroup var actor: ActorOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rehearse: send every engine's messages to the bundled simulated engine, keeping its tenant models under DIR/<engine>. Needs an explicit --state.",
            valueName: "DIR"))
    var simulate: String?

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
    }
}
