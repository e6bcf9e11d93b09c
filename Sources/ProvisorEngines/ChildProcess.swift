import CProcess
import Foundation
import Synchronization

/// A program Provisor starts (an exec engine, a policy): in a process group of its own, with no
/// signal blocked and every signal's action the default, whatever the starting thread had (Swift's
/// and Dispatch's threads block most signals, and a child inherits that mask: its own alarms and a
/// plain `kill` would not reach it). `stop()` kills the whole group, so nothing it started keeps
/// running after it.
public final class ChildProcess: @unchecked Sendable {
    /// How a process ended.
    public enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signalled(Int32)

        /// "exit status 3", "killed by signal 9".
        public var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .signalled(let signal): return "killed by signal \(signal)"
            }
        }
    }

    public let pid: pid_t
    private let condition = NSCondition()
    private var ended: Termination?

    /// Starts `executable` (a path, relative ones from Provisor's folder) with `arguments`; its
    /// standard input, output and error are the descriptors given (each duplicated onto 0, 1 and
    /// 2; the caller closes its copies). No other descriptor is inherited.
    public init(
        executable: String, arguments: [String], environment: [String: String]?, directory: String?, input: Int32, output: Int32, errors: Int32
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        if let directory { provisor_spawn_addchdir(&actions, directory) }
        // Nothing else of Provisor's (a state file, a socket, a file another library opened
        // without close-on-exec) reaches the child.
        provisor_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // A relative path is Provisor's, not the child's: the child changes folder before the
        // program is looked up.
        let executable = executable.hasPrefix("/") ? executable : FileManager.default.currentDirectoryPath + "/" + executable
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in variables { free(variable) } }
        var pid: pid_t = 0
        var status = posix_spawn(&pid, executable, &actions, &attributes, argv, variables)
        // A program written a moment ago can be busy while another thread's child still holds
        // the descriptor it was written through: that passes.
        for _ in 0..<10 where status == ETXTBSY {
            usleep(20_000)
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, variables)
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        self.pid = pid
        Self.running.withLock { $0.insert(pid) }
        Thread.detachNewThread { [self] in reap() }
    }

    /// The children started and not yet ended, by process id.
    private static let running = Mutex<Set<pid_t>>([])

    /// Kills every child still running with what it started: a process that exits on a signal
    /// leaves no engine or policy behind (being in groups of their own, they do not get the
    /// terminal's Ctrl-C).
    public static func stopAll() {
        for pid in running.withLock({ $0 }) { kill(-pid, SIGKILL) }
    }

    /// Waits for the process on a thread of its own, so that it never lingers as a zombie.
    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let termination: Termination = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        _ = Self.running.withLock { $0.remove(pid) }
        condition.withLock {
            ended = termination
            condition.broadcast()
        }
    }

    public var isRunning: Bool { condition.withLock { ended == nil } }

    /// How it ended; nil while it runs.
    public var termination: Termination? { condition.withLock { ended } }

    /// Blocks until it has ended. Call it on a thread of its own, never on Swift's cooperative
    /// threads.
    @discardableResult
    public func wait() -> Termination {
        condition.withLock {
            while ended == nil { condition.wait() }
            return ended!
        }
    }

    /// Blocks until it has ended, `seconds` at most; nil when it is still running.
    public func wait(seconds: TimeInterval) -> Termination? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return condition.withLock {
            while ended == nil && condition.wait(until: deadline) {}
            return ended
        }
    }

    /// Kills its whole process group (the program and everything it started).
    public func stop(_ signal: Int32 = SIGKILL) {
        kill(-pid, signal)
        if isRunning { kill(pid, signal) }
    }

    /// A pipe whose two ends are closed on exec: only the descriptors duplicated onto a child's
    /// 0, 1 and 2 reach it, so a child started at the same moment never holds another's ends.
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard provisor_pipe_cloexec(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return (ends[0], ends[1])
    }
}
