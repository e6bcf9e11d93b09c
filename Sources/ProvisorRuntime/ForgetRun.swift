import Foundation
import ProvisorCore

/// `provisor state forget MESSAGE-ID`: under the state lock, gives up on a message an earlier run
/// left open (sent to an amqp engine and never answered, or left pending by a crash). The
/// journal closes it as failed, saying who gave up: its answer is no longer collected, and the
/// next reconcile plans its change again, with a new message id. A message left pending (never
/// known to have been taken by a transport) is refused: the next reconcile sends it again with
/// the same id, which an engine that already acted answers as a replay, so nothing is wedged.
public struct ForgetRun: Sendable {
    public var messageID: String
    /// Who the journal names.
    public var actor: String

    public init(messageID: String, actor: String) {
        self.messageID = messageID
        self.actor = actor
    }

    /// The open entry given up on.
    public func run(in workspace: Workspace) async throws -> JournalEntry {
        let recorded = try await RecordedState.open(workspace, writing: true)
        guard let store = recorded.store else {
            throw RunError(description: "error: no state recorded yet (\(recorded.description)), so no message waits in it")
        }
        let clock = workspace.clock
        return try await store.withLock("state forget", clock: clock) {
            guard let open = try await store.unresolvedJournal().last(where: { $0.messageID == messageID }) else {
                throw RunError(
                    description:
                        "error: no message '\(messageID)' waits for an answer in \(store.description) (provisor history lists those that do)")
            }
            if open.status == .pending {
                throw RunError(
                    description:
                        "error: message '\(messageID)' (\(open.action) \(open.address)) was left pending by an interrupted run, and the next provisor reconcile sends it again with the same id: an engine that already carried it out answers it as a replay. Giving it up would make the next run send the change under a new id that the engine would refuse as already done; run provisor reconcile instead"
                )
            }
            try await store.appendJournal([
                JournalEntry(
                    run: "forget-" + UUID().uuidString.lowercased(), address: open.address, action: open.action, status: .failed,
                    messageID: messageID, detail: "given up by \(actor): its answer is no longer collected", at: clock.now())
            ])
            return open
        }
    }
}
