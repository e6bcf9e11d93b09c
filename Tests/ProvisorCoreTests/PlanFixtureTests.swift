import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

/// Fixture pairs under Fixtures/Plans/<case>/: the manifests whose resolution is recorded as
/// state (`recorded/`, else `_estate/`), the desired manifests (`desired/`, else `_estate/`),
/// both on top of `shared/`; an optional `allow-deletes` file; and `expected-plan.txt`.
/// Set PROVISOR_UPDATE_GOLDEN=1 to rewrite the expected plans, then review the diff.
@Suite struct PlanFixtureTests {
    static let root = packageRoot.appendingPathComponent("Tests/ProvisorCoreTests/Fixtures/Plans")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { $0 != "shared" && !$0.hasPrefix("_") }.sorted()
    }()

    @Test func everyCaseTheIssueNamesHasAFixture() {
        #expect(
            Set(Self.cases).isSuperset(of: [
                "create", "update", "delete-user", "no-op", "reorder-only", "customer-removed",
                "parent-and-child", "reseller-chain-removed", "protected-customer", "delete-guard",
                "omitted-not-removed",
            ]))
    }

    @Test(arguments: cases)
    func planMatches(_ name: String) async throws {
        let directory = Self.root.appendingPathComponent(name)
        let store = InMemoryStateStore()
        let recorded = try Self.resolve(directory, "recorded")
        try await store.commit(StateWrite(upserts: recorded.resources.map(StateWrite.Resource.init), at: PinnedTime.date))

        let allowed = try? String(contentsOf: directory.appendingPathComponent("allow-deletes"), encoding: .utf8)
        let policy = SafetyPolicy(allowedDeletes: allowed.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let plan = try Planner.plan(desired: try Self.resolve(directory, "desired"), state: try await store.snapshot(), policy: policy)

        let rendered = Self.render(plan)
        let expectedFile = directory.appendingPathComponent("expected-plan.txt")
        if ProcessInfo.processInfo.environment["PROVISOR_UPDATE_GOLDEN"] != nil {
            try rendered.write(to: expectedFile, atomically: true, encoding: .utf8)
        }
        #expect(rendered == (try String(contentsOf: expectedFile, encoding: .utf8)))
    }

    /// Resolves the case's `side` directory (or `_estate`) on top of `shared`; the manifests
    /// must be valid.
    static func resolve(_ directory: URL, _ side: String) throws -> DesiredState {
        let own = directory.appendingPathComponent(side)
        let folder = FileManager.default.fileExists(atPath: own.path) ? own : root.appendingPathComponent("_estate")
        let report = try ManifestPipeline.run(
            CombinedSource(sources: [
                DirectorySource(root: root.appendingPathComponent("shared").path),
                DirectorySource(root: folder.path),
            ]))
        try #require(report.isValid, "\(folder.path): \(report.diagnostics)")
        return report.desired
    }

    /// A compact, complete text of a plan: waves, changes with reasons and changed attributes,
    /// the summary and refusals.
    static func render(_ plan: ChangePlan) -> String {
        var lines: [String] = []
        for wave in plan.waves {
            lines.append("wave \(wave.number): \(wave.phase.rawValue) \(wave.kind.rawValue)")
            for change in wave.changes {
                lines.append("  \(change.action.rawValue) \(change.address) (\(change.reason))")
                for changed in change.changedAttributes {
                    lines.append("    \(changed.name): \(changed.old?.description ?? "(not recorded)") → \(changed.new)")
                }
            }
        }
        let summary = plan.summary
        lines.append("summary: \(summary.create) create, \(summary.update) update, \(summary.delete) delete, \(summary.unchanged) unchanged")
        lines += plan.refusals.map { "refused: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
