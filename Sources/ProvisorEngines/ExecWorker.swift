import Foundation
import ProvisorCore

/// One running engine process: its stdin, and its stdout split into lines by a reader thread.
final class ExecWorker: @unchecked Sendable {
    enum Read {
        case line(String)
        case closed, timedOut
    }

    private let child: ChildProcess
    private let input: FileHandle
    private let lock = NSLock()
    /// Lines read and not yet taken, from `nextLine` on (an engine being read back can be
    /// hundreds of thousands of lines ahead of the reader).
    private var lines: [String] = []
    private var nextLine = 0
    private var closed = false
    private var overlong = false
    private var waiter: CheckedContinuation<Read, Never>?
    private var waiterToken = 0
    private let errors: OutputCollector

    /// The longest line read from an engine: past it, the engine is stopped (its memory, not
    /// Provisor's, is what an endless line should cost).
    static let lineLimit = 256 << 20

    init(command: [String], workingDirectory: String?, environment: [String: String]?) throws {
        guard let program = command.first else { throw CocoaError(.fileNoSuchFile) }
        let stdin = try ChildProcess.pipe(), stdout = try ChildProcess.pipe(), stderr = try ChildProcess.pipe()
        defer { for childEnd in [stdin.read, stdout.write, stderr.write] { close(childEnd) } }
        do {
            child = try ChildProcess(
                executable: Self.locate(program), arguments: Array(command.dropFirst()), environment: environment, directory: workingDirectory,
                input: stdin.read, output: stdout.write, errors: stderr.write)
        } catch {
            for end in [stdin.write, stdout.read, stderr.read] { close(end) }
            throw error
        }
        input = FileHandle(fileDescriptor: stdin.write, closeOnDealloc: true)
        errors = OutputCollector(stderr.read, limit: 2048, keep: .last)
        let output = FileHandle(fileDescriptor: stdout.read, closeOnDealloc: true)
        Thread.detachNewThread { [self] in readLines(output) }
    }

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
            if partial.count > Self.lineLimit {
                lock.withLock { overlong = true }
                stop()
                break
            }
        }
        child.wait()
        deliver(nil)
    }

    /// " (exit status 3; stderr: …)": how the process ended, when it has.
    var exitDescription: String {
        let tail = String(decoding: errors.data, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
        let status =
            lock.withLock({ overlong })
            ? "stopped: it wrote a line longer than \(Self.lineLimit >> 20) MiB" : child.termination?.description ?? "stopped"
        return " (\(status)" + (tail.isEmpty ? ")" : "; stderr: \(tail))")
    }

    /// Kills the process and everything it started (after a timeout or a garbled answer).
    func stop() {
        child.stop()
        try? input.close()
    }

    /// Closes its input so it can finish cleanly, and kills it if it has not within 5 s. The
    /// waiting happens on a thread of its own, never on Swift's cooperative threads.
    func finish() async {
        try? input.close()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                _ = child.wait(seconds: 5)
                stop()
                continuation.resume()
            }
        }
    }
}
