import Foundation
import Testing

@testable import ProvisorCore

@Suite struct OwnershipTests {
    @Test(arguments: [
        ("manifests/customers/tkl/**", "manifests/customers/tkl/users.yaml", true),
        ("manifests/customers/tkl/**", "manifests/customers/tkl/deep/more/x.yaml", true),
        ("manifests/customers/tkl/**", "manifests/customers/tklx/users.yaml", false),
        ("manifests/customers/tkl", "manifests/customers/tkl/users.yaml", true),
        ("manifests/customers/t*/*.yaml", "manifests/customers/tkl/users.yaml", true),
        ("manifests/customers/t*/*.yaml", "manifests/customers/fsg/users.yaml", false),
        ("manifests/*.yaml", "manifests/customers/tkl/users.yaml", false),
        ("manifests/**/users.yaml", "manifests/customers/tkl/users.yaml", true),
        ("manifests/**/users.yaml", "manifests/users.yaml", true),
        ("**/kiwi.yaml", "manifests/resellers/kiwi.yaml", true),
        ("manifests/resellers/kiwi.yaml", "manifests/resellers/kiwi.yaml", true),
        ("manifests/resellers/kiwi.yaml", "manifests/resellers/acme.yaml", false),
        ("manifests/resellers/k?wi.yaml", "manifests/resellers/kiwi.yaml", true),
        ("manifests/[ab]*/x.yaml", "manifests/acme/x.yaml", true),
        ("manifests/*", "manifests/.hidden.yaml", false),
    ])
    func globs(_ pattern: String, _ path: String, _ matches: Bool) {
        #expect(Glob.matches(pattern, path) == matches)
    }

    static let examples = repoPath("examples") + "/"

    /// The example estate plus `files` (paths from the examples' folder), validated with the
    /// grants of provisor.yaml's `delegation` block (given as YAML, indented under it).
    static func validate(_ files: [String: String], delegation: String) throws -> [Diagnostic] {
        let config = RepositoryConfig.parse(Array(("delegation:\n" + delegation).utf8), file: "provisor.yaml")
        #expect(config.diagnostics.isEmpty, "\(config.diagnostics)")
        return try validate(files, grants: config.config.grants)
    }

    static func validate(_ files: [String: String], grants: [Grant]) throws -> [Diagnostic] {
        let ownership = Ownership(grants: grants) { path in
            path.hasPrefix(Self.examples) ? String(path.dropFirst(Self.examples.utf8.count)) : path
        }
        let source = CombinedSource(sources: [DirectorySource(root: repoPath("examples/manifests")), MemorySource(files: files)])
        return try ManifestPipeline.run(source, ownership: ownership).diagnostics
    }

    /// Grants of paths alone (no engines, no secrets), each to a reseller where the example
    /// estate puts it, in this order.
    func validate(_ files: [String: String], owners: [(String, String)]) throws -> [Diagnostic] {
        let parents = ["KIWI": "ACME", "ACME": "NEXUS", "KIWII": "ACME"]
        var yaml = ""
        for (path, reseller) in owners {
            yaml += "  \(reseller):\n" + (parents[reseller].map { "    parent: \($0)\n" } ?? "") + "    paths: [\"\(path)\"]\n"
        }
        return try Self.validate(files, delegation: yaml)
    }

    @Test func theExampleGrantsHoldForTheExamples() throws {
        let config = RepositoryConfig.parse(Array(FileManager.default.contents(atPath: repoPath("examples/provisor.yaml"))!), file: "provisor.yaml")
        #expect(config.config.owners.map(\.reseller) == ["KIWI", "KIWI", "KIWI"])
        #expect(
            config.config.grants.map { "\($0.reseller) under \($0.parent!): \(Grant.listing($0.engines)); \(Grant.listing($0.secrets))" }
                == ["KIWI under ACME: platform-ap; env:TKL_*, env:FSG_*"])
        #expect(try Self.validate([:], grants: config.config.grants).isEmpty)
    }

    @Test func anOwnedFileMayOnlyTouchItsResellersSubtree() throws {
        let file = "manifests/kiwi-team/estate.yaml"
        let yaml = """
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: KIWISUB, name: Kiwi South }
            spec:
              parent: KIWI
            ---
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: ROGUE, name: Rogue Reseller }
            spec:
              parent: ACME
            ---
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: KSC, name: Kiwi South Customer }
            spec:
              reseller: KIWISUB
              domains: { primary: ksc.example }
            ---
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: NXC, name: Nexus Customer }
            spec:
              reseller: NEXUS
              domains: { primary: nxc.example }
            ---
            apiVersion: provisor/v1
            kind: User
            metadata: { username: intruder }
            spec:
              customer: JBL
              upn: intruder@jonesbaker.example
            ---
            apiVersion: provisor/v1
            kind: User
            metadata: { username: helper }
            spec:
              customer: FSG
              upn: helper@fernsidegarage.example
            ---
            apiVersion: provisor/v1
            kind: Service
            metadata: { code: backup, name: Backup }
            spec:
              scope: customer
              engine: hosting-queue
              plans:
                basic: { name: Basic, sku: BK-1 }
            """
        let diagnostics = try validate([file: yaml], owners: [("manifests/kiwi-team/**", "KIWI")])
        let hint =
            "this file is KIWI's through delegation.KIWI (provisor.yaml:2:3), path \"manifests/kiwi-team/**\"; move the definition to a file the provider or its own reseller owns"
        #expect(
            diagnostics.map(\.description) == [
                "\(file):11:11: error: reseller 'ROGUE' is outside reseller KIWI's subtree: it is not KIWI or a reseller below it (\(hint))",
                "\(file):24:13: error: customer 'NXC' is outside reseller KIWI's subtree: it belongs to reseller NEXUS (\(hint))",
                "\(file):31:13: error: user 'intruder' is outside reseller KIWI's subtree: its customer JBL belongs to reseller ACME (\(hint))",
                "\(file):43:19: error: service 'backup' is outside reseller KIWI's subtree: services are the provider's catalogue; a reseller changes them with overrides in its own Reseller manifest (\(hint))",
            ])
    }

    @Test func theFirstMatchingGlobDecidesAndUnknownOwnersAreReported() throws {
        let customer = """
            apiVersion: provisor/v1
            kind: Customer
            metadata: { code: NXC, name: Nexus Customer }
            spec:
              reseller: NEXUS
              domains: { primary: nxc.example }
            """
        // NEXUS is the root: its subtree is everything, so the first glob allows the customer.
        #expect(try validate(["shared/nxc.yaml": customer], owners: [("shared/**", "NEXUS"), ("shared/*.yaml", "KIWI")]).isEmpty)
        let refused = try validate(["shared/nxc.yaml": customer], owners: [("shared/*.yaml", "KIWI"), ("shared/**", "NEXUS")])
        #expect(refused.map(\.location.description) == ["shared/nxc.yaml:5:13"])
        // A file no glob matches is the provider's.
        #expect(try validate(["provider/nxc.yaml": customer], owners: [("shared/**", "KIWI")]).isEmpty)

        let unknown = try validate([:], owners: [("manifests/customers/tkl/**", "KIWII")])
        #expect(
            unknown.map(\.description) == [
                "provisor.yaml:2:3: error: delegation grants paths to reseller 'KIWII', which no manifest defines (use the code of an existing reseller)"
            ])
    }
}
