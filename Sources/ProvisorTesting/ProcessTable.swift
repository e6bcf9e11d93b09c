import Foundation

/// What /proc says of other processes, for tests that check nothing was left running.
public enum ProcessTable {
    /// True once `pid` is gone, or a zombie waiting for its new parent to reap it (either way not
    /// running), within `seconds`.
    public static func hasEnded(_ pid: pid_t, within seconds: Double = 5) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while isRunning(pid) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// The processes running now whose command line contains `text`.
    public static func running(commandContaining text: String) -> [pid_t] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
        return pids.filter { pid in
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return command.contains(text) && isRunning(pid)
        }
    }

    /// Neither gone nor a zombie.
    static func isRunning(_ pid: pid_t) -> Bool {
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        return state != nil && state != "Z"
    }
}
