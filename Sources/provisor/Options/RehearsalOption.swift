import ArgumentParser
import ProvisorCore

/// `--simulate DIR` for the commands that read engines (drift, rightsize, import): a
/// rehearsal's simulated engines instead of the real ones.
struct RehearsalOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Read the simulated engines a rehearsal (reconcile --simulate DIR) keeps under DIR/<engine>; needs --state.", valueName: "DIR"))
    var simulate: String?
}
