import Foundation
import ProvisorCore

/// One running engine process: its stdin, and its stdout split into lines by a reader thread.
final class ExecWorker: @unchecked Sendable {
    enum Read {
        case line(String)
        case closed, timedOut
    }

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

    /// A program name without a slash is looked up on PATH, then beside the running program
    /// (the engines installed with provisor, such as provisor-engine-microsoft); a path is used
    /// as given.
    static func locate(_ program: String) -> String {
        guard !program.contains("/") else { return program }
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        if let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append((running as NSString).deletingLastPathComponent)
        }
        for directory in directories {
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
        let token: Int = lock.withLock {
            waiterToken += 1
            return waiterToken
        }
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
        guard token == waiterToken, let waiter else {
            lock.unlock()
            return
        }
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
        guard let waiter else {
            lock.unlock()
            return
        }
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
        let status =
            process.isRunning
            ? "stopped"
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
