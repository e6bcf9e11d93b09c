import Foundation
import ProvisorTesting
import Testing

/// Delegation tried as a hostile reseller would: KIWI's team owns its folders and `kiwi.yaml`
/// (`delegation.KIWI` in the example provisor.yaml) and tries to reach the provider's secrets,
/// other customers' engines and a place above its parent. Each attempt is an error at its
/// file:line:col, from the working tree and from a git revision alike.
@Suite struct DelegationCommandTests {
    /// `validate` on the working tree and, once committed, on `--ref HEAD`: the same lines.
    func validateBothWays(_ repository: TemporaryRepository) throws -> [String] {
        let disk = try provisor(["validate"], in: repository.url)
        #expect(disk.status == 1, "\(disk.stdout)\(disk.stderr)")
        try repository.commit("KIWI tries its luck")
        let revision = try provisor(["validate", "--ref", "HEAD"], in: repository.url)
        #expect(revision.status == 1)
        #expect(revision.stdout == disk.stdout, "a revision is held to the same grant as the working tree")
        return disk.stdout.split(separator: "\n").map(String.init)
    }

    static let grantHint = "delegation.KIWI (provisor.yaml:11:3)"

    @Test func aResellersUsersCanNameNoSecretOutsideItsGrant() throws {
        let repository = try exampleRepository()
        try repository.edit("provisor.yaml") {
            $0.replacingOccurrences(of: #"secrets: ["env:TKL_*", "env:FSG_*"]"#, with: #"secrets: ["env:TKL_*", "env:FSG_*", "file:secrets/kiwi/"]"#)
        }
        let references = [
            "env:CSP_BRIDGE_HMAC_KEY", "env:JBL_ALICE_PASSWORD", "file:/etc/passwd", "file:/proc/self/environ",
            "file:secrets/kiwi/../provider.key", "file:secrets/kiwiX/a", "env:TKL_SPY_PASSWORD", "file:secrets/kiwi/spy", "file:./secrets//kiwi/x",
        ]
        try repository.write(
            "manifests/customers/tkl/spies.yaml",
            references.enumerated().map { index, reference in
                """
                apiVersion: provisor/v1
                kind: User
                metadata: { username: spy\(index) }
                spec:
                  customer: TKL
                  upn: spy\(index)@tuikitchen.example
                  password: { secretRef: "\(reference)" }
                """
            }.joined(separator: "\n---\n") + "\n")
        let lines = try validateBothWays(repository)
        let allowed =
            "\(Self.grantHint) allows the secret references: env:TKL_*, env:FSG_*, file:secrets/kiwi/; use one of those, or ask the provider to grant it"
        #expect(
            lines == references.prefix(6).enumerated().map { index, reference in
                "manifests/customers/tkl/spies.yaml:\(7 + index * 8):26: error: user 'spy\(index)' reads its password from '\(reference)', a secret reference reseller KIWI's grant does not allow (\(allowed))"
            } + ["Invalid: 6 errors in 1 file."])
    }

    @Test func aResellerCannotMoveItselfOrASubResellerFromUnderItsParent() throws {
        let repository = try exampleRepository()
        try repository.edit("manifests/resellers/kiwi.yaml") { $0.replacingOccurrences(of: "parent: ACME", with: "parent: NEXUS") }
        let moved = try validateBothWays(repository)
        #expect(
            moved == [
                "manifests/resellers/kiwi.yaml:7:11: error: reseller 'KIWI' has parent 'NEXUS', but its grant places it under ACME: a delegated reseller cannot move itself (only the provider moves it, by changing parent in \(Self.grantHint) and here together)",
                "Invalid: 1 error in 1 file.",
            ])

        // Through a sub-reseller: KIWI defines one under ACME, then hangs itself below it.
        try repository.write(
            "manifests/customers/tkl/sub.yaml",
            """
            apiVersion: provisor/v1
            kind: Reseller
            metadata: { code: KIWISUB, name: Kiwi South }
            spec:
              parent: ACME

            """)
        try repository.edit("manifests/resellers/kiwi.yaml") { $0.replacingOccurrences(of: "parent: NEXUS", with: "parent: KIWISUB") }
        let through = try validateBothWays(repository)
        #expect(
            through.contains(
                "manifests/resellers/kiwi.yaml:7:11: error: reseller 'KIWI' has parent 'KIWISUB', but its grant places it under ACME: a delegated reseller cannot move itself (only the provider moves it, by changing parent in \(Self.grantHint) and here together)"
            ))
        #expect(
            through.contains {
                $0.hasPrefix(
                    "manifests/customers/tkl/sub.yaml:5:11: error: reseller 'KIWISUB' is outside reseller KIWI's subtree: it is not KIWI or a reseller below it"
                )
            })

        // Kept under ACME, KIWI cannot sell what ACME does not allow, whatever its own list says.
        try repository.git(["rm", "-q", "manifests/customers/tkl/sub.yaml"])
        try repository.edit("manifests/resellers/kiwi.yaml") {
            $0.replacingOccurrences(of: "parent: KIWISUB", with: "parent: ACME").replacingOccurrences(
                of: "services: [m365, mailbox, website]", with: "services: [m365, mailbox, website, vdesktop]")
        }
        try repository.edit("manifests/customers/tkl/users.yaml") {
            $0.replacingOccurrences(
                of: "    - { service: mailbox, plan: pro-50 }\n",
                with: "    - { service: mailbox, plan: pro-50 }\n    - { service: vdesktop, plan: standard }\n")
        }
        let widened = try validateBothWays(repository)
        #expect(
            widened.first?.hasPrefix(
                "manifests/customers/tkl/users.yaml:17:18: error: service 'vdesktop' is not allowed for user mere of customer TKL: reseller ACME") == true,
            "\(widened)")
    }

    @Test func aResellersFilesRouteOnlyToTheEnginesItsGrantNames() throws {
        let repository = try exampleRepository()
        // Another customer's private data centre, ACME's engine, and the CSP engine by override.
        try repository.edit("manifests/customers/tkl/customer.yaml") {
            $0.replacingOccurrences(
                of: "location: { type: platform }",
                with: "location: { type: private, name: Borrowed DC, engine: riverbank-onprem }\n  overrides:\n    m365: { engine: csp-eu }")
        }
        try repository.edit("manifests/resellers/kiwi.yaml") { $0.replacingOccurrences(of: "engine: platform-ap", with: "engine: platform-eu") }
        let routed = try validateBothWays(repository)
        let engines = "\(Self.grantHint) allows the engines: platform-ap; route to one of those, or ask the provider to grant it"
        #expect(
            routed == [
                "manifests/customers/tkl/customer.yaml:14:57: error: customer 'TKL' routes to engine 'riverbank-onprem', which reseller KIWI's grant does not allow (\(engines))",
                "manifests/customers/tkl/customer.yaml:16:21: error: the override of service 'm365' routes to engine 'csp-eu', which reseller KIWI's grant does not allow (\(engines))",
                "manifests/resellers/kiwi.yaml:9:11: error: reseller 'KIWI' routes to engine 'platform-eu', which reseller KIWI's grant does not allow (\(engines))",
                "Invalid: 3 errors in 2 files.",
            ])

        // An engine the grant names may be chosen.
        try repository.edit("provisor.yaml") { $0.replacingOccurrences(of: "engines: [platform-ap]", with: "engines: [platform-ap, platform-eu, csp-eu]") }
        try repository.edit("manifests/customers/tkl/customer.yaml") {
            $0.replacingOccurrences(of: "location: { type: private, name: Borrowed DC, engine: riverbank-onprem }", with: "location: { type: platform }")
        }
        let granted = try provisor(["validate"], in: repository.url)
        #expect(granted.status == 0, "\(granted.stdout)")
    }

    @Test func changedSinceReportsOnlyTheNewViolations() throws {
        let repository = try exampleRepository()
        // Already on main: a TKL user reads a secret outside the grant.
        try repository.edit("manifests/customers/tkl/users.yaml") { $0.replacingOccurrences(of: "env:TKL_MERE_PASSWORD", with: "env:JBL_ALICE_PASSWORD") }
        try repository.commit("A borrowed password")
        // The change routes FSG to a private engine.
        try repository.edit("manifests/customers/fsg/customer.yaml") {
            $0.replacingOccurrences(of: "location: { type: platform }", with: "location: { type: private, engine: riverbank-onprem }")
        }
        let changed = try provisor(["validate", "--changed-since", "HEAD"], in: repository.url)
        #expect(changed.status == 1)
        let lines = changed.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.count == 2 && lines[0].hasPrefix("manifests/customers/fsg/customer.yaml:")
                && lines[0].contains("customer 'FSG' routes to engine 'riverbank-onprem'"), "\(lines)")
        #expect(!changed.stdout.contains("JBL_ALICE_PASSWORD"), "the violation HEAD already had is left out")
    }

    @Test func symbolicLinksAndSpecialFilesInTheTreeAreRefusedUnread() throws {
        try withExampleCopy { directory in
            let tkl = directory.appendingPathComponent("manifests/customers/tkl")
            func validate() throws -> Run { try provisor(["validate", "--config", "provisor.yaml"], in: directory) }
            let reason =
                "it is a symbolic link, which Provisor does not follow (it could reach files outside the manifests, or nothing at all); put the file or folder itself there"

            // A manifest-named link to a file outside the tree: refused, and its content never printed.
            try FileManager.default.createSymbolicLink(atPath: tkl.appendingPathComponent("leak.yaml").path, withDestinationPath: "/etc/passwd")
            let leak = try validate()
            #expect(leak.status == 1 && leak.stderr == "error: cannot read 'manifests/customers/tkl/leak.yaml': \(reason)\n", "\(leak.stderr)")
            #expect(!leak.stdout.contains("root:") && !leak.stderr.contains("root:"))
            try FileManager.default.removeItem(at: tkl.appendingPathComponent("leak.yaml"))

            // A link to a folder outside the tree.
            try FileManager.default.createSymbolicLink(atPath: tkl.appendingPathComponent("more").path, withDestinationPath: "/etc")
            #expect(try validate().stderr == "error: cannot read 'manifests/customers/tkl/more': \(reason)\n")
            try FileManager.default.removeItem(at: tkl.appendingPathComponent("more"))

            // users.yaml replaced by a dangling link, or a link loop: the run stops; nothing is
            // planned (before, TKL's users were silently left out and planned for deletion).
            let users = tkl.appendingPathComponent("users.yaml")
            try FileManager.default.removeItem(at: users)
            try FileManager.default.createSymbolicLink(atPath: users.path, withDestinationPath: "users-gone.yaml")
            #expect(try validate().stderr == "error: cannot read 'manifests/customers/tkl/users.yaml': \(reason)\n")
            let plan = try provisor(["plan", "--config", "provisor.yaml", "--state", directory.appendingPathComponent("state.db").path], in: directory)
            #expect(plan.status == 1 && plan.stdout.isEmpty)
            try FileManager.default.removeItem(at: users)
            try FileManager.default.createSymbolicLink(atPath: users.path, withDestinationPath: "users.yaml")
            #expect(try validate().stderr == "error: cannot read 'manifests/customers/tkl/users.yaml': \(reason)\n")
            try FileManager.default.removeItem(at: users)

            // A FIFO named like a manifest is refused at once instead of blocking the run.
            #expect(mkfifo(tkl.appendingPathComponent("x.yaml").path, 0o644) == 0)
            #expect(
                try validate().stderr
                    == "error: cannot read 'manifests/customers/tkl/x.yaml': it is not a regular file (a FIFO, socket or device, which could block the run); manifests must be regular files\n"
            )
        }
    }
}
