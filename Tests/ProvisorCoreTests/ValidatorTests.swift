import Foundation
import Testing

@testable import ProvisorCore

/// Cross-document checks that need more than one fixture file's worth of setup.
@Suite struct ValidatorTests {
    @Test func aLockAtAResellerBindsSubResellersToo() throws {
        let kiwiOverride = """
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: SUBK, name: Sub Kiwi }
            spec:
              parent: ACME
              overrides:
                sqldb: { properties: { region: eu-west } }

            """
        #expect(
            lines(try validateWithExamples(["sub.yaml": kiwiOverride])) == [
                "7:28: error: property 'region' of service sqldb is locked by reseller ACME (\(repoPath("examples/manifests/resellers/acme.yaml")):20) and cannot be overridden by reseller SUBK (remove this value, or remove the lock at reseller ACME)"
            ])
    }

    @Test func aPlanSpecificLockLeavesOtherPlansFree() throws {
        let files = [
            "r.yaml": """
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: PLK, name: Plan Lock }
            spec:
              parent: NEXUS
              overrides:
                vdesktop: { plans: { power: { properties: { gpu: true }, locked: [gpu] } } }

            """,
            "c.yaml": """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: PLC, name: Plan Lock Customer }
            spec:
              reseller: PLK
              overrides:
                vdesktop:
                  properties: { gpu: false }
                  plans: { power: { properties: { gpu: false } } }

            """,
        ]
        let diagnostics = try validateWithExamples(files)
        #expect(diagnostics.map(\.location.line) == [9])
        #expect(diagnostics.first?.message.hasPrefix("property 'gpu' of service vdesktop is locked by reseller PLK") == true)
    }

    @Test func aRequiredPropertyMayBeSuppliedByAnOverride() throws {
        let service = """
            apiVersion: provisor/v1
            kind: Service
            metadata: { code: backup, name: Backup }
            spec:
              scope: customer
              properties: { vault: { type: string, required: true } }

            """
        let customer = { (overrides: String) in
            """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: BKP, name: Backup Customer }
            spec:
              reseller: NEXUS
              services: [{ service: backup }]
            \(overrides)
            """
        }
        #expect(try validateWithExamples(["s.yaml": service, "c.yaml": customer("  overrides: { backup: { properties: { vault: v1 } } }\n")]).isEmpty)
        let missing = try validateWithExamples(["s.yaml": service, "c.yaml": customer("")])
        #expect(
            lines(missing) == [
                "6:14: error: required property 'vault' of service 'backup' has no value for customer BKP (set it in this assignment's properties, an override, the plan, or give it a default)"
            ])
    }

    @Test func noRootResellerIsReported() throws {
        let source = MemorySource(files: [
            "r.yaml": """
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: AAA, name: A }
            spec: { parent: BBB }
            ---
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: BBB, name: B }
            spec: { parent: AAA }

            """
        ])
        let messages = try ManifestPipeline.run(source).diagnostics.map(\.message)
        #expect(messages == ["no root reseller: every reseller has a parent", "reseller hierarchy has a cycle: AAA → BBB → AAA"])
    }

    @Test func tooManyUsersForTheCustomersLimit() throws {
        let customer = """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: TINY, name: Tiny }
            spec:
              reseller: NEXUS
              domains: { primary: tiny.example }
              settings: { maxUsers: 1 }
            ---
            apiVersion: provisor/v1
            kind: User
            metadata: { username: a }
            spec: { customer: TINY, upn: a@tiny.example }
            ---
            apiVersion: provisor/v1
            kind: User
            metadata: { username: b }
            spec: { customer: TINY, upn: b@tiny.example }

            """
        #expect(
            lines(try validateWithExamples(["t.yaml": customer])) == [
                "3:19: error: customer TINY has 2 users, more than its settings.maxUsers of 1 (raise maxUsers or remove users)"
            ])
    }

    @Test func directoryWalkSkipsHiddenFilesAndRefusesLinksToFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-walk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a/.git"), withIntermediateDirectories: true)
        for file in ["a/x.yaml", "a/y.yml", "a/notes.md", "a/.hidden.yaml", "a/.git/z.yaml"] {
            FileManager.default.createFile(atPath: root.appendingPathComponent(file).path, contents: Data())
        }
        // A link that is neither named like a manifest nor leads to a folder is not a manifest.
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/notes-link").path, withDestinationPath: "nowhere")
        let paths = try DirectorySource(root: root.path).manifestPaths()
        #expect(paths == [root.path + "/a/x.yaml", root.path + "/a/y.yml"])
        // A link to a folder (here a loop back to the root) is refused, not followed.
        let loop = root.appendingPathComponent("a/loop").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: root.path)
        #expect(throws: SourceError.unreadable(loop, reason: DirectorySource.symbolicLink)) { try DirectorySource(root: root.path).manifestPaths() }
    }

    @Test func anUnreadableSourceIsAnErrorNotACrash() {
        #expect(throws: SourceError.notFound("/nonexistent/manifests")) {
            try ManifestPipeline.run(DirectorySource(root: "/nonexistent/manifests"))
        }
        #expect(throws: SourceError.noManifests("memory")) { try ManifestPipeline.run(MemorySource(files: [:])) }
    }
}

/// Damaged input must give diagnostics, never a crash: every example manifest, cut short at
/// many points and with bytes overwritten, is validated with the rest of the estate.
@Suite struct DamagedInputTests {
    @Test func truncatedAndCorruptedManifestsNeverCrash() throws {
        let examples = DirectorySource(root: repoPath("examples/manifests"))
        let paths = try examples.manifestPaths()
        var checked = 0
        for path in paths {
            let bytes = try examples.read(path)
            let others = try Dictionary(uniqueKeysWithValues: paths.filter { $0 != path }.map { ($0, String(decoding: try examples.read($0), as: UTF8.self)) })
            for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 12)) {
                var damaged = Array(bytes[..<cut])
                if cut % 3 == 0 { damaged[cut / 2] = [UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "{"), 0xFF][cut % 4] }
                let report = try ManifestPipeline.run(MemorySource(files: others.merging([path: String(decoding: damaged, as: UTF8.self)]) { $1 }))
                #expect(report.diagnostics == report.diagnostics.sorted())
                #expect(report.diagnostics.allSatisfy { !$0.message.isEmpty && $0.location.line >= 0 })
                checked += 1
            }
        }
        #expect(checked > 200)
    }
}
