import Foundation
import Testing

@testable import ProvisorCore

/// The published JSON Schemas and the Swift validator agree: checked with Python's jsonschema
/// (scripts/schema-check.py), an implementation that shares no code with Provisor.
@Suite struct SchemaAgreementTests {
    struct Verdict: Decodable {
        var valid: Bool
        var errors: [String]
    }

    func pythonVerdicts(_ paths: [String]) throws -> [String: Verdict] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repoPath("scripts/schema-check.py")] + paths
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "schema-check.py failed (is jsonschema installed? run make deps): \(errorText)")
        return try JSONDecoder().decode([String: Verdict].self, from: data)
    }

    @Test func everyExampleFilePassesTheSchemas() throws {
        // examples/deploy/ holds systemd, Kubernetes and CI files, not manifests.
        let paths = try DirectorySource(root: repoPath("examples")).manifestPaths().filter { !$0.hasPrefix(repoPath("examples/deploy/")) }
        #expect(paths.contains(repoPath("examples/provisor.yaml")))
        let verdicts = try pythonVerdicts(paths)
        #expect(verdicts.count == paths.count)
        for (path, verdict) in verdicts.sorted(by: { $0.key < $1.key }) {
            #expect(verdict.valid, "\(path): \(verdict.errors)")
        }
    }

    @Test func structuralFixturesFailTheSchemasAndSemanticOnesPass() throws {
        let fixtures = InvalidFixture.all
        let verdicts = try pythonVerdicts(fixtures.map(\.path))
        for fixture in fixtures {
            let verdict = try #require(verdicts[fixture.path])
            #expect(
                verdict.valid == !fixture.schemaRejects,
                "\(fixture.name): the schemas say \(verdict.valid ? "valid" : "invalid: \(verdict.errors)")")
        }
    }

    @Test func theSchemasRejectAnInvalidConfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("provisor.yaml").path
        try "manifests: m\nsafety: { maxDeletePercent: 150 }\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try pythonVerdicts([path])[path]?.valid == false)
        #expect(RepositoryConfig.parse(Array("manifests: m\nsafety: { maxDeletePercent: 150 }\n".utf8), file: path).diagnostics.hasErrors)
    }
}
