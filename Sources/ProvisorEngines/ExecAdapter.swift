import Foundation
import ProvisorCore
import ProvisorEngineKit

/// The `exec` adapter: runs the engine's program and speaks JSON lines with it (docs/engines.md,
/// "Engine adapters", `schemas/engine-result.schema.json`). Provisor writes one message as one
/// line on the program's stdin and reads one result line from its stdout; the program stays
/// running for the next message. Up to `processes` copies run at once, one message each.
///
/// - No answer within the timeout: the program is killed, and the message counts as retryable.
/// - The program exits before answering: retryable, with the end of its stderr.
/// - A line that is not a result for this message: terminal; the program is replaced.
public final class ExecAdapter: EngineAdapter {
    public let engine: String
    public let command: [String]
    public let workingDirectory: String?
    public let timeout: Double
    public let maxRetries: Int
    private let pool: WorkerPool
    /// Dates its readings.
    private let clock: WallClock

    public init(
        engine: String, command: [String], workingDirectory: String? = nil, timeout: Double = 60, processes: Int = 8, maxRetries: Int = 3,
        environment: [String: String]? = nil, clock: WallClock
    ) {
        self.engine = engine
        self.clock = clock
        self.command = command
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.maxRetries = maxRetries
        pool = WorkerPool(limit: max(1, processes)) {
            try ExecWorker(command: command, workingDirectory: workingDirectory, environment: environment)
        }
        signal(SIGPIPE, SIG_IGN)
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryResult {
        let worker: ExecWorker
        do {
            worker = try await pool.checkOut()
        } catch {
            return .terminal(startFailure(error))
        }
        let (result, healthy) = await exchange(message, with: worker)
        await pool.checkIn(worker, healthy: healthy)
        return result
    }

    private func exchange(_ message: OutgoingMessage, with worker: ExecWorker) async -> (DeliveryResult, healthy: Bool) {
        guard worker.write(message.body() + "\n") else {
            worker.stop()
            return (.retryable("engine '\(engine)' stopped reading its input\(worker.exitDescription)"), false)
        }
        switch await worker.readLine(timeout: timeout) {
        case .line(let line):
            switch ExecResult.parse(line, expecting: message.id) {
            case .success(let result): return (result, true)
            case .failure(let problem):
                return (
                    .terminal(
                        "engine '\(engine)' answered with something that is not a result (\(problem.reason)): '\(Self.excerpt(line))'; an exec engine must answer each message with one JSON line {\"id\", \"status\"}"
                    ), false
                )
            }
        case .closed:
            return (.retryable("engine '\(engine)' exited before answering\(worker.exitDescription)"), false)
        case .timedOut:
            return (.retryable("engine '\(engine)' did not answer within \(Self.seconds(timeout)); it was stopped"), false)
        }
    }

    /// Why the program could not be started, as a sentence saying what to check.
    func startFailure(_ error: Error) -> String {
        let start = "cannot start engine '\(engine)' (\(command.joined(separator: " ")))"
        guard let program = command.first else { return "\(start): its exec.command is empty; name the program to run" }
        let located = ExecWorker.locate(program)
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: located, isDirectory: &isFolder) {
            return program.contains("/")
                ? "\(start): the program '\(located)' does not exist; check exec.command in its Engine manifest (a relative path starts at the folder of provisor.yaml)"
                : "\(start): no program '\(program)' on PATH; install it, or give its path in exec.command"
        }
        if isFolder.boolValue || !FileManager.default.isExecutableFile(atPath: located) {
            return
                "\(start): '\(located)' is not an executable program; make it executable (chmod +x) or name its interpreter first in exec.command, as in [python3, engine.py]"
        }
        if let workingDirectory, !FileManager.default.fileExists(atPath: workingDirectory) {
            return "\(start): its working directory '\(workingDirectory)' does not exist; check exec.workingDirectory"
        }
        let reason =
            (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) }
            ?? (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? error.localizedDescription
        return "\(start): the system refused to run it (\(reason))"
    }

    /// Asks the program for everything it holds: one `observe` request line; the program
    /// answers with one `{"id", "resource": {...}}` line per resource and ends with
    /// `{"id", "status": "succeeded", "count": N}` (docs/engines.md "Reading engines back"). Any failure
    /// (a refusal, a timeout, a malformed line, a count that does not match) makes the engine
    /// unreadable, never empty.
    public func observe() async -> EngineObservation {
        switch await read("observe", item: "resource", noun: "resources", ObservedJSON.resource) {
        case .success(let resources): return .observed(resources, at: clock.now())
        case .failure(let problem): return .unreadable(problem.reason)
        }
    }

    /// Asks the program for its licence subscriptions: one `subscriptions` request line,
    /// answered like an observe request with one `{"id", "subscription": {...}}` line each.
    public func subscriptions() async -> SubscriptionReading {
        switch await read("subscriptions", item: "subscription", noun: "subscriptions", ObservedJSON.subscription) {
        case .success(let subscriptions): return .read(subscriptions)
        case .failure(let problem): return .unreadable(problem.reason)
        }
    }

    /// Sends one read request (`action`) and collects the `item` of every answer line up to the
    /// final status line.
    private func read<Item: Sendable>(
        _ action: String, item: String, noun: String,
        _ parse: @escaping @Sendable (JSONValue, String) throws(ObservedJSON.ParseError) -> Item
    ) async -> Result<[Item], ObservedJSON.ParseError> {
        let worker: ExecWorker
        do {
            worker = try await pool.checkOut()
        } catch {
            return .failure(.init(reason: startFailure(error)))
        }
        let id = action + "-" + UUID().uuidString.lowercased()
        let (result, healthy) = await read(action, id: id, item: item, noun: noun, with: worker, parse)
        await pool.checkIn(worker, healthy: healthy)
        return result.mapError { ObservedJSON.ParseError(reason: $0.reason) }
    }

    private func read<Item: Sendable>(
        _ action: String, id: String, item: String, noun: String, with worker: ExecWorker,
        _ parse: @escaping @Sendable (JSONValue, String) throws(ObservedJSON.ParseError) -> Item
    ) async -> (Result<[Item], ObservedJSON.ParseError>, healthy: Bool) {
        func failed(_ reason: String, healthy: Bool = false) -> (Result<[Item], ObservedJSON.ParseError>, healthy: Bool) {
            (.failure(.init(reason: reason)), healthy)
        }
        guard worker.write(Self.readRequest(action, id: id, engine: engine) + "\n") else {
            worker.stop()
            return failed("engine '\(engine)' stopped reading its input\(worker.exitDescription)")
        }
        var items: [Item] = []
        while true {
            // Every line already read is parsed at once, on every core.
            let batch: [String]
            switch await worker.readLine(timeout: timeout) {
            case .line(let first): batch = [first] + worker.takeReadLines()
            case .closed: return failed("engine '\(engine)' exited while being read\(worker.exitDescription)")
            case .timedOut: return failed("engine '\(engine)' sent nothing for \(Self.seconds(timeout)) while being read; it was stopped")
            }
            let engine = engine
            for (line, parsed) in zip(batch, parallelMap(batch.count) { ReadLine(batch[$0], id: id, item: item, engine: engine, parse) }) {
                switch parsed {
                case .item(let value):
                    items.append(value)
                case .unreadable(let problem):
                    return failed("engine '\(engine)' reported a \(item) Provisor cannot read: \(problem)")
                case .other:
                    return failed(
                        "engine '\(engine)' answered the \(action) request with something else: '\(Self.excerpt(line))'; an exec engine that can be read answers {\"id\", \"\(item)\"} lines and a final {\"id\", \"status\"}"
                    )
                case .status("succeeded", let count, _):
                    if let count, count != items.count {
                        return failed("engine '\(engine)' said it holds \(count) \(noun) but reported \(items.count)", healthy: true)
                    }
                    return (.success(items), true)
                case .status("failed", _, let error), .status("retryable", _, let error):
                    return failed("engine '\(engine)' could not be read: \(error ?? "it did not say why")", healthy: true)
                case .status:
                    return failed("engine '\(engine)' answered the \(action) request without a \(item) or a status: '\(Self.excerpt(line))'")
                }
            }
        }
    }

    public func shutdown() async {
        await pool.closeAll()
    }

    /// The request line of a read (`observe`, `subscriptions`).
    static func readRequest(_ action: String, id: String, engine: String) -> String {
        var request = JSONWriter(pretty: false)
        request.beginObject()
        request.member("format_version", ProvisioningMessage.formatVersion)
        request.member("id", id)
        request.member("action", action)
        request.member("engine", engine)
        request.endObject()
        return request.text
    }

    static func excerpt(_ line: String) -> String {
        line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
