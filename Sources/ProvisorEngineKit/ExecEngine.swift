import Foundation

/// The engine side of Provisor's exec protocol (docs/engines.md, "Writing an engine"): Provisor
/// starts the program and writes one JSON message per line on its standard input; the program
/// answers each with one result line on standard output, and answers the `observe` and
/// `subscriptions` requests with one line per item and a last status line. An engine registers
/// a handler per action and calls `run()`:
///
/// ```swift
/// let engine = ExecEngine(answered: try AnswerFile(path: "state/answered.jsonl"))
/// engine.handle("provision") { message in
///     let id = try await tenants.create(message.attributes)   // throw EngineFailure.refuse / .retry
///     return ["tenantId": .string(id)]                          // outputs Provisor records
/// }
/// engine.observe { tenants.all.map { ObservedItem(address: $0.address, attributes: $0.attributes) } }
/// engine.run()
/// ```
///
/// A handler returns the outputs; `EngineFailure.retry` answers "retryable", `.refuse` and any
/// other error "failed" with the reason. A message whose id was carried out before is answered
/// with the same outputs without calling the handler. Standard output carries the protocol:
/// log with `log(_:)` (standard error).
public final class ExecEngine {
    public typealias Handler = (EngineMessage) throws -> [String: JSONValue]

    private var handlers: [String: Handler] = [:]
    private var readers: [String: () throws -> [String]] = [:]
    private let answered: (any AnsweredMessages)?

    /// `answered` remembers carried-out ids; without it a message sent again is done again.
    public init(answered: (any AnsweredMessages)? = nil) {
        self.answered = answered
    }

    /// Registers what carries out `action` (provision, update, deprovision, adjust-subscription).
    public func handle(_ action: String, _ handler: @escaping Handler) {
        handlers[action] = handler
    }

    /// Registers what lists every resource the engine holds, for drift and import.
    public func observe(_ reader: @escaping () throws -> [ObservedItem]) {
        readers["observe"] = { try reader().map(\.jsonLine) }
    }

    /// Registers what lists the licence subscriptions the engine holds, each as
    /// `schemas/subscription.schema.json` describes, for right-sizing.
    public func subscriptions<Subscription: Encodable>(_ reader: @escaping () throws -> [Subscription]) {
        readers["subscriptions"] = { try reader().map(JSONLine.encode) }
    }

    /// Writes `text` to standard error, the engine's log.
    public func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Answers every line of standard input on standard output until the input ends
    /// (`serve(amqp:queue:)` answers a RabbitMQ queue instead).
    public func run() {
        while let line = readLine(strippingNewline: true) {
            answer(line) { FileHandle.standardOutput.write(Data($0.utf8)) }
        }
    }

    /// Answers one line of input on `output`, which receives whole lines.
    public func answer(_ line: String, _ output: (String) -> Void) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        guard let json = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8)) else {
            output(Self.result("", "failed", error: Self.notAMessage))
            return
        }
        if let action = json["action"]?.string, let id = json["id"]?.string, action == "observe" || action == "subscriptions" {
            read(action, id: id, output)
        } else if let message = EngineMessage(json) {
            output(apply(message))
        } else {
            output(Self.result(json["id"]?.string ?? "", "failed", error: Self.notAMessage))
        }
    }

    static let notAMessage = "not a provisioning message: it needs id, action, kind and address"

    private func apply(_ message: EngineMessage) -> String {
        if let outputs = answered?.answered(message) { return Self.result(message.id, "succeeded", outputs: outputs) }
        guard let handler = handlers[message.action] else {
            return Self.result(message.id, "failed", error: "this engine does not handle '\(message.action)' messages")
        }
        do {
            let outputs = try handler(message)
            try answered?.remember(message.id, outputs: outputs)
            return Self.result(message.id, "succeeded", outputs: outputs)
        } catch EngineFailure.retry(let reason, let after) {
            return Self.result(message.id, "retryable", error: reason, retryAfter: after)
        } catch EngineFailure.refuse(let reason) {
            return Self.result(message.id, "failed", error: reason)
        } catch {
            log("\(message.address): \(error)")
            return Self.result(message.id, "failed", error: "the engine failed: \(error)")
        }
    }

    /// Answers an observe or subscriptions request: one line per item, written a megabyte at a
    /// time, then the count; a reading that fails is reported, never answered as empty.
    private func read(_ action: String, id: String, _ output: (String) -> Void) {
        guard let reader = readers[action] else {
            output(Self.result(id, "failed", error: "this engine cannot answer '\(action)' requests"))
            return
        }
        let items: [String]
        do {
            items = try reader()
        } catch EngineFailure.refuse(let reason), EngineFailure.retry(let reason, _) {
            output(Self.result(id, "failed", error: reason))
            return
        } catch {
            log("\(action): \(error)")
            output(Self.result(id, "failed", error: "the engine could not be read: \(error)"))
            return
        }
        let key = action == "observe" ? "resource" : "subscription"
        let prefix = "{\"id\":" + JSONLine.encode(id) + ",\"\(key)\":"
        var text = ""
        for item in items {
            text += prefix + item + "}\n"
            if text.utf8.count > 1 << 20 {
                output(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        if !text.isEmpty { output(text) }
        output(Self.result(id, "succeeded", count: items.count))
    }

    private struct Result: Encodable {
        var id: String
        var status: String
        var error: String?
        var outputs: [String: JSONValue]?
        var count: Int?
        var retryAfterSeconds: Int?
    }

    /// One result line (`schemas/engine-result.schema.json`).
    static func result(
        _ id: String, _ status: String, error: String? = nil, outputs: [String: JSONValue] = [:], count: Int? = nil, retryAfter: Int? = nil
    ) -> String {
        JSONLine.encode(
            Result(id: id, status: status, error: error, outputs: outputs.isEmpty ? nil : outputs, count: count, retryAfterSeconds: retryAfter)) + "\n"
    }
}
