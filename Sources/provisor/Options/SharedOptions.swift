import ArgumentParser
import ProvisorCore

/// `--timings`, for every command that measures its stages.
struct TimingsOption: ParsableArguments {
    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false
}

/// `--simulate DIR` for the commands that read engines (drift, rightsize, import): a
/// rehearsal's simulated engines instead of the real ones.
struct RehearsalOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Read the simulated engines a rehearsal (reconcile --simulate DIR) keeps under DIR/<engine>; needs --state.", valueName: "DIR"))
    var simulate: String?
}

/// `--actor`, for the commands that write the audit log.
struct ActorOption: ParsableArguments {
    @Option(name: .long, help: "Who the audit log names for these changes (default: the OS user).")
    var actor: String?

    /// The actor given, else the OS user.
    var name: String { actor ?? LockRequest.currentUser }
}
