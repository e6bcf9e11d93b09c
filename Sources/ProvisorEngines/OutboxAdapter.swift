import Foundation
import ProvisorCore

/// The `outbox` adapter: stores each message (secret references only) in the state database's
/// outbox table, where a downstream queue bridge picks it up, and optionally appends it to a
/// JSON-lines export file. A message id is stored and exported once however often it is sent.
public final class OutboxAdapter: EngineAdapter {
    public let engine: String
    public let store: any OutboxStore
    /// Also append each new message to this JSON-lines file.
    public let export: String?
    private let exportLock = NSLock()
    /// The time each stored message records.
    private let clock: WallClock

    public init(engine: String, store: any OutboxStore, export: String? = nil, clock: WallClock) {
        self.engine = engine
        self.clock = clock
        self.store = store
        self.export = export
    }

    public var prefersBatches: Bool { true }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult {
        await send(batch: [message])[0]
    }

    public func observe() async -> EngineObservation {
        .unsupported(Self.cannotReadBack(engine))
    }

    static func cannotReadBack(_ engine: String) -> String {
        "engine '\(engine)' is an outbox: messages go one way to a queue, so what the engine holds cannot be read back"
    }

    /// Stores the whole batch in one transaction, then exports the messages that were new.
    public func send(batch: [OutgoingMessage]) async -> [DeliveryResult] {
        let engine = engine, now = clock.now()
        let messages = parallelMap(batch.count) { index in
            let outgoing = batch[index]
            return OutboxMessage(
                id: outgoing.id, engine: engine, address: outgoing.message.address, action: outgoing.message.action.rawValue, body: outgoing.restingBody(),
                at: now)
        }
        do {
            let added = try await store.enqueue(messages)
            if let export {
                let lines = messages.filter { added.contains($0.id) }.map { $0.body + "\n" }.joined()
                if !lines.isEmpty { try append(lines, to: export) }
            }
            return Array(repeating: .succeeded, count: batch.count)
        } catch {
            return Array(repeating: .retryable("outbox of engine '\(engine)': \(error)"), count: batch.count)
        }
    }

    private func append(_ text: String, to path: String) throws {
        try exportLock.withLock {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        }
    }
}
