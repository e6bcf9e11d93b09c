import Foundation
import ProvisorCore

/// The `exec` adapter: runs the engine's program and speaks JSON lines with it (README
/// "The exec protocol", `schemas/engine-result.schema.json`). Provisor writes one message as one
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

    public init(engine: String, command: [String], workingDirectory: String? = nil, timeout: Double = 60, processes: Int = 8, maxRetries: Int = 3,
                environment: [String: String]? = nil, clock: WallClock) {
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
                return (.terminal("engine '\(engine)' answered with something that is not a result (\(problem.reason)): '\(Self.excerpt(line))'; an exec engine must answer each message with one JSON line {\"id\", \"status\"}"), false)
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
            return "\(start): '\(located)' is not an executable program; make it executable (chmod +x) or name its interpreter first in exec.command, as in [python3, engine.py]"
        }
        if let workingDirectory, !FileManager.default.fileExists(atPath: workingDirectory) {
            return "\(start): its working directory '\(workingDirectory)' does not exist; check exec.workingDirectory"
        }
        let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { "\($0)" } ?? error.localizedDescription
        return "\(start): the system refused to run it (\(reason))"
    }

    /// Asks the program for everything it holds: one `observe` request line; the program
    /// answers with one `{"id", "resource": {...}}` line per resource and ends with
    /// `{"id", "status": "succeeded", "count": N}` (README "Reading engines back"). Any failure
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
    private func read<Item: Sendable>(_ action: String, item: String, noun: String,
                                      _ parse: @escaping @Sendable (Any, String) throws(ObservedJSON.Problem) -> Item) async -> Result<[Item], ObservedJSON.Problem> {
        let worker: ExecWorker
        do {
            worker = try await pool.checkOut()
        } catch {
            return .failure(.init(reason: startFailure(error)))
        }
        let id = action + "-" + UUID().uuidString.lowercased()
        let (result, healthy) = await read(action, id: id, item: item, noun: noun, with: worker, parse)
        await pool.checkIn(worker, healthy: healthy)
        return result.mapError { ObservedJSON.Problem(reason: $0.reason) }
    }

    private func read<Item: Sendable>(_ action: String, id: String, item: String, noun: String, with worker: ExecWorker,
                                      _ parse: @escaping @Sendable (Any, String) throws(ObservedJSON.Problem) -> Item) async -> (Result<[Item], ObservedJSON.Problem>, healthy: Bool) {
        func failed(_ reason: String, healthy: Bool = false) -> (Result<[Item], ObservedJSON.Problem>, healthy: Bool) {
            (.failure(.init(reason: reason)), healthy)
        }
        var request = JSONWriter(pretty: false)
        request.beginObject()
        request.member("format_version", ProvisioningMessage.formatVersion)
        request.member("id", id)
        request.member("action", action)
        request.member("engine", engine)
        request.endObject()
        guard worker.write(request.text + "\n") else {
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
                    return failed("engine '\(engine)' answered the \(action) request with something else: '\(Self.excerpt(line))'; an exec engine that can be read answers {\"id\", \"\(item)\"} lines and a final {\"id\", \"status\"}")
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

    static func excerpt(_ line: String) -> String {
        line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// One line of an engine's answer to a read request (observe, subscriptions).
enum ReadLine<Item: Sendable>: Sendable {
    case item(Item)
    /// The last line: its status, the count it gives, and its error.
    case status(String?, count: Int?, error: String?)
    /// An item that cannot be read, and why.
    case unreadable(String)
    /// Not an answer to this request.
    case other

    init(_ line: String, id: String, item: String, engine: String, _ parse: (Any, String) throws(ObservedJSON.Problem) -> Item) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], object["id"] as? String == id else {
            self = .other
            return
        }
        if let value = object[item] {
            do { self = .item(try parse(value, engine)) } catch { self = .unreadable(error.reason) }
        } else {
            self = .status(object["status"] as? String, count: (object["count"] as? NSNumber)?.intValue, error: object["error"] as? String)
        }
    }
}

/// A result line as the exec protocol defines it.
enum ExecResult {
    struct Problem: Error { var reason: String }

    static func parse(_ line: String, expecting id: String) -> Result<DeliveryResult, Problem> {
        guard let data = line.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(Problem(reason: "not a JSON object"))
        }
        guard let answered = object["id"] as? String else { return .failure(Problem(reason: "no \"id\"")) }
        guard answered == id else { return .failure(Problem(reason: "it answers message \(answered), not \(id)")) }
        let error = object["error"] as? String
        switch object["status"] as? String {
        case "succeeded":
            var outputs: [Attribute] = []
            if let given = object["outputs"] as? [String: Any] {
                for (name, value) in given.sorted(by: { $0.key < $1.key }) {
                    switch value {
                    case let text as String: outputs.append(Attribute(name: name, value: .string(text)))
                    case let number as NSNumber: outputs.append(Attribute(name: name, value: .string(number.stringValue)))
                    default: return .failure(Problem(reason: "output \"\(name)\" is not a string or number"))
                    }
                }
            }
            return .success(.succeeded(outputs: outputs))
        case "retryable":
            return .success(.retryable(error ?? "the engine asked to retry", retryAfter: (object["retryAfterSeconds"] as? NSNumber)?.doubleValue))
        case "failed":
            return .success(.terminal(error ?? "the engine refused the message without saying why"))
        case let other?:
            return .failure(Problem(reason: "unknown status '\(other)'; use succeeded, retryable or failed"))
        case nil:
            return .failure(Problem(reason: "no \"status\""))
        }
    }
}

/// Engine processes ready for work, started on demand up to a limit.
actor WorkerPool {
    private let limit: Int
    private let start: @Sendable () throws -> ExecWorker
    private var idle: [ExecWorker] = []
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, start: @escaping @Sendable () throws -> ExecWorker) {
        self.limit = limit
        self.start = start
    }

    func checkOut() async throws -> ExecWorker {
        while true {
            if let worker = idle.popLast() { return worker }
            if running < limit {
                running += 1
                do { return try start() } catch {
                    running -= 1
                    throw error
                }
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func checkIn(_ worker: ExecWorker, healthy: Bool) {
        if healthy {
            idle.append(worker)
        } else {
            worker.stop()
            running -= 1
        }
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }

    func closeAll() async {
        let workers = idle
        idle.removeAll()
        running = 0
        for worker in workers { await worker.finish() }
    }
}

/// One running engine process: its stdin, and its stdout split into lines by a reader thread.
final class ExecWorker: @unchecked Sendable {
    enum Read { case line(String), closed, timedOut }

    private let process: Process
    private let input: FileHandle
    private let lock = NSLock()
    /// Lines read and not yet taken, from `nextLine` on (an engine being read back can be
    /// hundreds of thousands of lines ahead of the reader).
    private var lines: [String] = []
    private var nextLine = 0
    private var closed = false
    private var waiter: CheckedContinuation<Read, Never>?
    private var waiterToken = 0
    private var stderrTail = Data()

    init(command: [String], workingDirectory: String?, environment: [String: String]?) throws {
        guard let program = command.first else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.locate(program))
        process.arguments = Array(command.dropFirst())
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        if let environment { process.environment = environment }
        // Close-on-exec pipes: an engine started at the same moment by another thread must not
        // inherit this one's ends (a copy of the stdin write end would keep this engine from
        // ever seeing the end of its input). The child's own ends become its 0, 1 and 2.
        let (stdin, stdout, stderr) = try Self.spawning.withLock {
            let pipes = (try Self.pipe(), try Self.pipe(), try Self.pipe())
            process.standardInput = pipes.0.read
            process.standardOutput = pipes.1.write
            process.standardError = pipes.2.write
            try process.run()
            return pipes
        }
        for childEnd in [stdin.read, stdout.write, stderr.write] { try? childEnd.close() }
        self.process = process
        input = stdin.write
        let output = stdout.read, errors = stderr.read
        Thread.detachNewThread { [self] in readLines(output) }
        Thread.detachNewThread { [self] in readErrors(errors) }
    }

    /// A pipe whose two ends are closed on exec. Made while holding `spawning`, so no other
    /// engine is started between making it and marking it.
    private static func pipe() throws -> (read: FileHandle, write: FileHandle) {
        var ends: [Int32] = [0, 0]
        guard Foundation.pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (FileHandle(fileDescriptor: ends[0], closeOnDealloc: true), FileHandle(fileDescriptor: ends[1], closeOnDealloc: true))
    }

    /// Engines are started one at a time (see `pipe()`).
    private static let spawning = NSLock()

    /// A program name without a slash is looked up on PATH; a path is used as given.
    static func locate(_ program: String) -> String {
        guard !program.contains("/") else { return program }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return program
    }

    func write(_ text: String) -> Bool {
        do {
            try input.write(contentsOf: Data(text.utf8))
            return true
        } catch {
            return false
        }
    }

    func readLine(timeout: Double) async -> Read {
        let token: Int = lock.withLock { waiterToken += 1; return waiterToken }
        // The timer runs on a dispatch queue, not on Swift's cooperative threads: it fires on
        // time even while those are all busy.
        let timer = DispatchWorkItem { [weak self] in self?.expire(token) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            lock.lock()
            if let line = takeLine() {
                lock.unlock()
                continuation.resume(returning: .line(line))
            } else if closed {
                lock.unlock()
                continuation.resume(returning: .closed)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }

    private func expire(_ token: Int) {
        lock.lock()
        guard token == waiterToken, let waiter else { lock.unlock(); return }
        self.waiter = nil
        lock.unlock()
        waiter.resume(returning: .timedOut)
    }

    /// Every line read and not yet taken.
    func takeReadLines() -> [String] {
        lock.withLock {
            let rest = Array(lines[nextLine...])
            lines.removeAll(keepingCapacity: true)
            nextLine = 0
            return rest
        }
    }

    /// The oldest line not yet taken; call holding `lock`.
    private func takeLine() -> String? {
        guard nextLine < lines.count else { return nil }
        let line = lines[nextLine]
        nextLine += 1
        if nextLine == lines.count {
            lines.removeAll(keepingCapacity: true)
            nextLine = 0
        } else if nextLine >= 4096 && nextLine * 2 >= lines.count {
            lines.removeFirst(nextLine)
            nextLine = 0
        }
        return line
    }

    private func deliver(_ read: [String]?) {
        lock.lock()
        if let read { lines += read } else { closed = true }
        guard let waiter else { lock.unlock(); return }
        self.waiter = nil
        let next: Read = takeLine().map { .line($0) } ?? .closed
        lock.unlock()
        waiter.resume(returning: next)
    }

    /// Splits standard output into lines, handing over each chunk's lines at once.
    private func readLines(_ handle: FileHandle) {
        var partial = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            var read: [String] = []
            var start = chunk.startIndex
            while let newline = chunk[start...].firstIndex(of: 0x0A) {
                var bytes = chunk[start..<newline]
                if !partial.isEmpty {
                    partial.append(bytes)
                    bytes = partial[...]
                }
                if bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { read.append(String(decoding: bytes, as: UTF8.self)) }
                partial = Data()
                start = chunk.index(after: newline)
            }
            partial.append(chunk[start...])
            if !read.isEmpty { deliver(read) }
        }
        process.waitUntilExit()
        deliver(nil)
    }

    private func readErrors(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            lock.withLock {
                stderrTail.append(chunk)
                if stderrTail.count > 2048 { stderrTail.removeFirst(stderrTail.count - 2048) }
            }
        }
    }

    /// " (exit status 3; stderr: …)": how the process ended, when it has.
    var exitDescription: String {
        let tail = lock.withLock { String(decoding: stderrTail, as: UTF8.self) }
            .split(separator: "\n").suffix(3).joined(separator: " | ")
        let status = process.isRunning ? "stopped"
            : process.terminationReason == .uncaughtSignal ? "killed by signal \(process.terminationStatus)" : "exit status \(process.terminationStatus)"
        return " (\(status)" + (tail.isEmpty ? ")" : "; stderr: \(tail))")
    }

    /// Kills the process (after a timeout or a garbled answer).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? input.close()
    }

    /// Closes its input so it can finish cleanly, and kills it if it has not within 5 s. The
    /// waiting happens on a thread of its own, never on Swift's cooperative threads.
    func finish() async {
        try? input.close()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                let deadline = ContinuousClock.now.advanced(by: .seconds(5))
                while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
                stop()
                continuation.resume()
            }
        }
    }
}
