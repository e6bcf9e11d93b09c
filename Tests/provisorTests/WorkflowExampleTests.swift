import Foundation
import Testing

@testable import ProvisorCore

/// The pull-request workflows of examples/deploy/ (GitHub Actions and GitLab CI) stay true to
/// the command line, and the GitLab Code Quality report they upload is what GitLab reads.
struct WorkflowExampleTests {
    static let workflows = ["examples/deploy/github-actions/review.yml", "examples/deploy/gitlab/.gitlab-ci.yml"]

    @Test func theWorkflowsAreYAMLAndEveryProvisorOptionTheyUseExists() throws {
        var checked = 0
        for path in Self.workflows {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
            let parsed = YAMLParser.parse(Array(text.utf8), file: path)
            #expect(parsed.diagnostics.isEmpty, "\(path): \(parsed.diagnostics)")
            for match in text.matches(of: /provisor (validate|plan|reconcile|drift|rightsize|report)([^\n]*)/) {
                let command = String(match.1)
                let help = try provisor([command, "--help"]).stdout
                for option in String(match.2).matches(of: /(--[a-z][a-z-]+)/).map({ String($0.1) }) {
                    #expect(help.contains(option), "\(path): provisor \(command) has no \(option)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 12, "the workflows validate, plan with --out and apply with --plan")
    }

    @Test func validateWritesAGitLabCodeQualityReport() async throws {
        try await withRehearsal { rehearsal in
            let valid = try provisor(["validate", "--config", "provisor.yaml", "--format", "gitlab"], in: rehearsal.directory)
            #expect(valid.status == 0 && valid.stdout == "[]\n", "\(valid.stdout)")
            try rehearsal.edit("customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "kind: Customer", with: "kind: Custommer") }
            let invalid = try provisor(["validate", "--config", "provisor.yaml", "--format", "gitlab"], in: rehearsal.directory)
            #expect(invalid.status == 1)
            let issues = try #require(try JSONSerialization.jsonObject(with: Data(invalid.stdout.utf8)) as? [[String: Any]])
            let issue = try #require(issues.first)
            #expect((issue["description"] as? String)?.contains("Custommer") == true, "\(issue)")
            #expect(issue["check_name"] as? String == "provisor-validate" && issue["severity"] as? String == "major")
            #expect((issue["fingerprint"] as? String)?.count == 32)
            let location = try #require(issue["location"] as? [String: Any])
            #expect(location["path"] as? String == "manifests/customers/jbl/customer.yaml")
            #expect(((location["lines"] as? [String: Any])?["begin"] as? Int ?? 0) >= 1)
            // The same problem keeps its fingerprint when lines move; another file gets another.
            try rehearsal.edit("customers/jbl/customer.yaml") { "# a comment that moves every line\n" + $0 }
            let moved = try provisor(["validate", "--config", "provisor.yaml", "--format", "gitlab"], in: rehearsal.directory)
            let again = try #require((try JSONSerialization.jsonObject(with: Data(moved.stdout.utf8)) as? [[String: Any]])?.first)
            #expect(again["fingerprint"] as? String == issue["fingerprint"] as? String)
        }
    }

    @Test func planAndDiffAndDriftRefuseTheAnnotationFormats() throws {
        for command in [["plan"], ["drift"], ["diff", "--base", "HEAD"]] {
            let run = try provisor(command + ["--format", "gitlab"])
            #expect(run.status != 0 && run.stderr.contains("prints human, json or markdown"), "\(command): \(run.stderr)")
        }
    }
}
