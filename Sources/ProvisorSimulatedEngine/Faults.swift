import Foundation

/// Failures injected from the environment (`PROVISOR_SIMULATED_*`), for tests.
struct Faults: Sendable {
    /// Addresses refused with a terminal failure.
    var fail: Set<String> = []
    /// Addresses answered "retryable" the first N times.
    var flaky: [String: Int] = [:]
    /// Milliseconds to wait before answering, by address (`*` for all).
    var delays: [String: Int] = [:]
    /// Apply the Nth message, then exit unanswered.
    var crashAfter: Int?
    /// Engines whose observe and subscriptions requests are refused (`*` for every engine).
    var unreadable: Set<String> = []

    init(_ environment: [String: String]) {
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func pairs(_ name: String) -> [String: Int] {
            var result: [String: Int] = [:]
            for item in list(name) {
                guard let equals = item.lastIndex(of: "="), let number = Int(item[item.index(after: equals)...]) else { continue }
                result[String(item[..<equals])] = number
            }
            return result
        }
        fail = Set(list("PROVISOR_SIMULATED_FAIL"))
        flaky = pairs("PROVISOR_SIMULATED_FLAKY")
        delays = pairs("PROVISOR_SIMULATED_DELAY_MS")
        crashAfter = environment["PROVISOR_SIMULATED_CRASH_AFTER"].flatMap { Int($0) }
        unreadable = Set(list("PROVISOR_SIMULATED_UNREADABLE"))
    }
}
