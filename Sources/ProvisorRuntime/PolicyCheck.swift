import Foundation
import ProvisorCore

/// Runs provisor.yaml's policy programs on a plan. Each gets the JSON plan on standard input
/// and answers `{"allow": true|false, "reasons": ["…"]}` on standard output; a denial, or a
/// program that fails, times out or answers anything else, refuses the plan, unless the run
/// was told `--allow-policy NAME`. The programs run one after another in provisor.yaml's
/// folder, each with the run's environment.
public struct PolicyCheck: Sendable {
    public var policies: [PolicyProgram]
    /// provisor.yaml's folder.
    public var directory: String
    /// The policies `--allow-policy` overrides.
    public var allowed: Set<String>

    public init(policies: [PolicyProgram], directory: String, allowed: Set<String>) {
        self.policies = policies
        self.directory = directory
        self.allowed = allowed
    }

    public init(_ workspace: Workspace, allowed: Set<String>) throws {
        self.init(policies: workspace.config.policies, directory: workspace.directory, allowed: allowed)
        let unknown = allowed.subtracting(policies.map(\.name)).sorted()
        if !unknown.isEmpty {
            let known = policies.isEmpty ? "provisor.yaml names no policy" : "its policies are " + policies.map(\.name).joined(separator: ", ")
            throw RunError(description: "error: --allow-policy names \(unknown.joined(separator: ", ")), which is not a policy in provisor.yaml (\(known))")
        }
    }

    /// What one program said, or why it could not say.
    public enum Verdict: Sendable, Hashable {
        case allow
        case deny([String])
        case failed(String)
    }

    /// A denial (or failure) that `--allow-policy` let through.
    public struct Override: Sendable, Hashable {
        public var policy: String
        public var refusal: Refusal

        /// What the audit log adds to each change applied over it.
        public var auditNote: String { "applied over policy \(policy) (--allow-policy \(policy)): \(refusal)" }
    }

    /// Judges `plan`: refusals are added for the denials not overridden; returns the overridden
    /// ones, which the audit log records when the plan is applied.
    public func judge(_ plan: inout ChangePlan) async -> [Override] {
        guard !policies.isEmpty, !plan.changes.isEmpty else { return [] }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-plan-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            FileManager.default.createFile(atPath: input.path, contents: nil)
            let handle = try FileHandle(forWritingTo: input)
            try plan.writeJSON { try handle.write(contentsOf: Data($0.utf8)) }
            try handle.close()
        } catch {
            plan.refusals += policies.map { .policyFailed(policy: $0.name, reason: "the plan could not be written for it: \(error.localizedDescription)") }
            return []
        }
        var overrides: [Override] = []
        for policy in policies {
            let refusal: Refusal
            switch await Self.ask(policy, input: input.path, directory: directory) {
            case .allow: continue
            case .deny(let reasons): refusal = .policyDenied(policy: policy.name, reasons: reasons)
            case .failed(let reason): refusal = .policyFailed(policy: policy.name, reason: reason)
            }
            if allowed.contains(policy.name) {
                overrides.append(Override(policy: policy.name, refusal: refusal))
            } else {
                plan.refusals.append(refusal)
            }
        }
        return overrides
    }

    /// Runs one program on the plan in the file at `input`.
    static func ask(_ policy: PolicyProgram, input: String, directory: String) async -> Verdict {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-policy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathExtension("out"), errors = scratch.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        let process = Process()
        var command = policy.command
        if command[0].contains("/"), !command[0].hasPrefix("/") { command[0] = directory + "/" + command[0] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--"] + command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        do {
            FileManager.default.createFile(atPath: output.path, contents: nil)
            FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardInput = FileHandle(forReadingAtPath: input)
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
        } catch {
            return .failed("it could not be started (\(policy.command.joined(separator: " "))): \(error.localizedDescription)")
        }
        let deadline = ContinuousClock.now + .seconds(policy.timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return .failed("it did not answer within \(policy.timeout) s (policy.\(policy.name).timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        let answer = (try? Data(contentsOf: output)) ?? Data()
        let said =
            String(decoding: ((try? Data(contentsOf: errors)) ?? Data()).prefix(2000), as: UTF8.self)
            .split(separator: "\n").first.map { ": \($0)" } ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how =
                process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            if process.terminationStatus == 127 { return .failed("its program was not found (\(policy.command[0]))\(said)") }
            return .failed("it \(how)\(said)")
        }
        guard answer.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any], let allow = object["allow"] as? Bool
        else {
            let shown = String(decoding: answer.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed("it answered '\(shown)', not {\"allow\": true|false, \"reasons\": [...]}")
        }
        if allow { return .allow }
        let reasons = (object["reasons"] as? [Any] ?? []).map { ($0 as? String) ?? "\($0)" }
        return .deny(reasons.map { String($0.prefix(500)) })
    }
}
