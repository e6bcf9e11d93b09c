import Foundation
import ProvisorCore
import ProvisorEngineKit
import ProvisorEngines

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

        /// What the audit log adds to each change applied over it: the start of the denial, at
        /// most `auditNoteLimit` characters, since it is written once per change (a denial that
        /// lists every change, copied whole into each, would grow the log with the square of the
        /// plan). The run's own warning carries the whole denial.
        public var auditNote: String {
            let denial = "\(refusal)"
            let shown =
                denial.count <= Self.auditNoteLimit
                ? denial : denial.prefix(Self.auditNoteLimit) + "… (\(denial.count - Self.auditNoteLimit) more characters in the run's warning)"
            return "applied over policy \(policy) (--allow-policy \(policy)): \(shown)"
        }

        public static let auditNoteLimit = 300
    }

    /// Judges `plan`: refusals are added for the denials not overridden; returns the overridden
    /// ones, which the audit log records when the plan is applied. The plan is handed over in a
    /// file only this user can read, in a folder of its own, removed when the programs are done.
    public func judge(_ plan: inout ChangePlan) async -> [Override] {
        guard !policies.isEmpty, !plan.changes.isEmpty else { return [] }
        let folder: String
        do { folder = try FileReplacement.privateDirectory("provisor-policy") } catch {
            plan.refusals += policies.map { .policyFailed(policy: $0.name, reason: "the plan could not be written for it: \(error)") }
            return []
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let input = folder + "/plan.json"
        do {
            try FileReplacement.write(to: input, mode: 0o600) { write in try plan.writeJSON(to: write) }
        } catch {
            plan.refusals += policies.map { .policyFailed(policy: $0.name, reason: "the plan could not be written for it: \(error)") }
            return []
        }
        var overrides: [Override] = []
        for policy in policies {
            let refusal: Refusal
            switch await Self.ask(policy, input: input, directory: directory) {
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

    /// The most of a policy's answer that is read: a longer one fails the policy.
    static let answerLimit = 1 << 20

    /// Runs one program on the plan in the file at `input`: in a process group of its own,
    /// killed with everything it started when it times out or writes more than `answerLimit`,
    /// and its group killed when it ends, so nothing it left behind keeps running.
    static func ask(_ policy: PolicyProgram, input: String, directory: String) async -> Verdict {
        var command = policy.command
        if command[0].contains("/"), !command[0].hasPrefix("/") { command[0] = directory + "/" + command[0] }
        let child: ChildProcess, answer: OutputCollector, errors: OutputCollector
        do {
            let plan = open(input, O_RDONLY | O_CLOEXEC)
            guard plan >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(plan) }
            let output = try ChildProcess.pipe(), stderr = try ChildProcess.pipe()
            defer {
                close(output.write)
                close(stderr.write)
            }
            do {
                child = try ChildProcess(
                    executable: "/usr/bin/env", arguments: ["--"] + command, environment: nil, directory: directory, input: plan, output: output.write,
                    errors: stderr.write)
            } catch {
                close(output.read)
                close(stderr.read)
                throw error
            }
            answer = OutputCollector(output.read, limit: answerLimit + 1, keep: .first)
            errors = OutputCollector(stderr.read, limit: 2000, keep: .first)
        } catch {
            let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)).lowercased() } ?? "\(error)"
            return .failed("it could not be started (\(policy.command.joined(separator: " "))): \(reason)")
        }
        let deadline = ContinuousClock.now + .seconds(policy.timeout)
        var termination = child.termination
        while termination == nil {
            if answer.byteCount > answerLimit {
                child.stop()
                return .failed("it answered more than \(answerLimit >> 20) MiB; a policy answers {\"allow\": true|false, \"reasons\": [...]}")
            }
            if ContinuousClock.now >= deadline {
                child.stop()
                return .failed("it did not answer within \(policy.timeout) s (policy.\(policy.name).timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
            termination = child.termination
        }
        // What it started and left running goes with it; its pipes then close.
        child.stop()
        _ = answer.waitForEnd(seconds: 2)
        _ = errors.waitForEnd(seconds: 2)
        let said = String(decoding: errors.data, as: UTF8.self).split(separator: "\n").first.map { ": \(String($0).controlCharactersEscaped)" } ?? ""
        guard termination == .exited(0) else {
            if termination == .exited(127) { return .failed("its program was not found (\(policy.command[0]))\(said)") }
            let how = termination.map { if case .exited(let status) = $0 { "exited with status \(status)" } else { "was \($0.description)" } } ?? ""
            return .failed("it \(how)\(said)")
        }
        guard answer.byteCount <= answerLimit else {
            return .failed("it answered more than \(answerLimit >> 20) MiB; a policy answers {\"allow\": true|false, \"reasons\": [...]}")
        }
        let text = answer.data
        // Only true and false: 1, "yes" or null are not an answer.
        guard case .object(let object)? = JSONValue(parsing: text), case .bool(let allow)? = object["allow"] else {
            let shown = String(decoding: text.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).controlCharactersEscaped
            return .failed("it answered '\(shown)', not {\"allow\": true|false, \"reasons\": [...]}")
        }
        if allow { return .allow }
        let reasons: [JSONValue]
        if case .array(let list)? = object["reasons"] { reasons = list } else { reasons = [] }
        return .deny(reasons.map { String(($0.string ?? $0.jsonText).controlCharactersEscaped.prefix(500)) })
    }
}
