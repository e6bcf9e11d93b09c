import ArgumentParser
import ProvisorCore

/// `--actor`, for the commands that write the audit log.
struct ActorOption: ParsableArguments {
    @Option(name: .long, help: "Who the audit log names for these changes (default: the OS user).")
    var actor: String?

    /// The actor given, else the OS user.
    var name: String { actor ?? LockRequest.currentUser }
}
