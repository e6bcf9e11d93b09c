import Foundation
import ProvisorTesting
import Testing

/// A git repository holding the example estate as its first commit on main.
func exampleRepository() throws -> TemporaryRepository {
    let repository = try TemporaryRepository()
    try repository.copy(packageRoot.appendingPathComponent("examples/manifests"), to: "manifests")
    try repository.copy(packageRoot.appendingPathComponent("examples/provisor.yaml"), to: "provisor.yaml")
    try repository.commit("Initial estate\n\nNine customers.")
    return repository
}

func json(_ text: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
}

/// The addresses of a JSON plan's changes with the given action.
func addresses(_ plan: [String: Any], _ action: String) -> [String] {
    (plan["waves"] as! [[String: Any]]).flatMap { $0["changes"] as! [[String: Any]] }
        .filter { $0["action"] as? String == action }.map { $0["address"] as! String }
}

@Suite struct GitCommandTests {
    @Test func aPlanFromARevisionIsThePlanFromTheSameFilesOnDisk() throws {
        let repository = try exampleRepository()
        let sha = try repository.git(["rev-parse", "HEAD"])
        let state = ["--state", repository.path + "/state.db"]
        let fromDisk = try provisor(["plan", "--format", "json"] + state, in: repository.url)
        let fromGit = try provisor(["plan", "--ref", "HEAD", "--format", "json"] + state, in: repository.url)
        #expect(fromDisk.status == 2 && fromGit.status == 2)
        var gitPlan = try json(fromGit.stdout)
        let commit = gitPlan.removeValue(forKey: "commit") as? [String: Any]
        #expect(NSDictionary(dictionary: gitPlan).isEqual(to: try json(fromDisk.stdout)), "the same changes, in the same order")
        #expect(commit?["sha"] as? String == sha && commit?["author"] as? String == "Ana Lima" && commit?["email"] as? String == "ana@acme.example")
        #expect(commit?["message"] as? String == "Initial estate\n\nNine customers.\n")

        let saved = repository.url.appendingPathComponent("plan.json")
        try fromGit.stdout.write(to: saved, atomically: true, encoding: .utf8)
        let verdict = try json(try schemaCheck([saved.path]))
        #expect((verdict[saved.path] as? [String: Any])?["valid"] as? Bool == true, "the plan with its commit matches plan.schema.json: \(verdict)")

        // From another folder with --repo, and in the human form, with the commit on top.
        let human = try provisor(["plan", "--repo", repository.path] + state, in: packageRoot)
        let humanFromDisk = try provisor(["plan"] + state, in: repository.url)
        #expect(human.stdout == "Manifests at commit \(sha.prefix(12)) by Ana Lima <ana@acme.example>: Initial estate\n" + humanFromDisk.stdout)

        // An uncommitted edit changes the plan from disk, not the one from the revision.
        try repository.edit("manifests/customers/jbl/users.yaml") { $0.replacingOccurrences(of: "Alice Jones", with: "Alice Jones-Smith") }
        #expect(try provisor(["plan", "--format", "json"] + state, in: repository.url).stdout.contains("Alice Jones-Smith"))
        #expect(try provisor(["plan", "--ref", "HEAD", "--format", "json"] + state, in: repository.url).stdout == fromGit.stdout)
    }

    @Test func validateReadsEachRevisionWithItsOwnProvisorYaml() throws {
        let repository = try exampleRepository()
        try repository.edit("manifests/customers/jbl/customer.yaml") { $0.replacingOccurrences(of: "reseller: ACME", with: "reseller: ACMEE") }
        try repository.commit("Break JBL")
        try repository.git(["tag", "broken"])
        try repository.git(["revert", "--no-edit", "HEAD"])
        try repository.git(["mv", "manifests", "estate"])
        try repository.edit("provisor.yaml") {
            $0.replacingOccurrences(of: "manifests: manifests", with: "manifests: estate")
                .replacingOccurrences(of: "\"manifests/", with: "\"estate/")
        }
        try repository.commit("Move the manifests to estate/")

        let now = try provisor(["validate", "--ref", "HEAD"], in: repository.url)
        #expect(now.status == 0, "\(now.stderr)")
        #expect(now.stdout.hasPrefix("Valid: 27 files"))
        #expect(try provisor(["validate", "--repo", repository.path, "--ref", "HEAD~3"], in: packageRoot).status == 0)
        let broken = try provisor(["validate", "--ref", "broken", "--format", "github"], in: repository.url)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("::error file=manifests/customers/jbl/customer.yaml,line=8,col=13,title=provisor validate::unknown reseller 'ACMEE'"))

        let unknown = try provisor(["validate", "--ref", "v9"], in: repository.url)
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr
                == "error: unknown revision 'v9' in repository .; give a branch, tag, commit SHA (full or short), HEAD~N or a remote branch such as origin/main (git fetch first)\n"
        )
        let notRepository = try provisor(["validate", "--ref", "HEAD"], in: repository.url.appendingPathComponent("estate"))
        #expect(notRepository.status == 1 && notRepository.stderr.hasPrefix("error: '.' is not a git repository (no .git folder, and not a bare repository)"))
        let missing = try provisor(["validate", "--ref", "HEAD", "--manifests", "manifests"], in: repository.url)
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: 'manifests' does not exist at HEAD ("))
    }

    @Test func diffShowsTheResourcesAndFilesAChangeTouches() throws {
        let repository = try exampleRepository()
        let everything = try json(
            try provisor(["plan", "--ref", "main", "--format", "json", "--state", repository.path + "/none.db"], in: repository.url).stdout)
        let rbt = addresses(everything, "create").filter { $0 == "customer/RBT" || $0.hasPrefix("customer/RBT/") }
        #expect(rbt.count > 3)

        try repository.git(["checkout", "-q", "-b", "feature"])
        try repository.edit("manifests/customers/jbl/users.yaml") { $0.replacingOccurrences(of: "Alice Jones", with: "Alice Jones-Smith") }
        try repository.git(["mv", "manifests/customers/att/users.yaml", "manifests/customers/att/people.yaml"])
        try repository.git(["rm", "-q", "-r", "manifests/customers/rbt"])
        try repository.commit("Rename Alice, move ATT's users, remove RBT")

        let run = try provisor(["diff", "--base", "main", "--head", "feature", "--format", "json"], in: repository.url)
        #expect(run.status == 2, "\(run.stderr)")
        let diff = try json(run.stdout)
        let files = (diff["files"] as! [[String: Any]]).map { "\($0["status"]!) \($0["path"]!)" + (($0["old_path"] as? String).map { " from \($0)" } ?? "") }
        #expect(
            files == [
                "renamed manifests/customers/att/people.yaml from manifests/customers/att/users.yaml",
                "modified manifests/customers/jbl/users.yaml",
                "deleted manifests/customers/rbt/customer.yaml", "deleted manifests/customers/rbt/users.yaml",
            ])
        let saved = repository.url.appendingPathComponent("diff.json")
        try run.stdout.write(to: saved, atomically: true, encoding: .utf8)
        let verdict = try json(try schemaCheck([saved.path], schema: "diff.schema.json"))
        #expect((verdict[saved.path] as? [String: Any])?["valid"] as? Bool == true, "\(verdict)")
        let plan = diff["plan"] as! [String: Any]
        #expect(addresses(plan, "update") == ["customer/JBL/user/alice"])
        #expect(Set(addresses(plan, "delete")) == Set(rbt))
        #expect(addresses(plan, "create").isEmpty)
        #expect((diff["base"] as! [String: Any])["revision"] as? String == "main")
        #expect(((diff["head"] as! [String: Any])["commit"] as! [String: Any])["sha"] as? String == (try repository.git(["rev-parse", "feature"])))

        let human = try provisor(["diff", "--base", "main", "--head", "feature"], in: repository.url)
        #expect(human.status == 2)
        #expect(human.stdout.contains("  renamed   manifests/customers/att/people.yaml (from manifests/customers/att/users.yaml)\n"))
        #expect(human.stdout.contains("    ~ customer/JBL/user/alice  attribute changed\n          displayName  Alice Jones → Alice Jones-Smith\n"))
        #expect(human.stdout.contains("\nDiff: 0 to provision, 1 to update, \(rbt.count) to deprovision.\n"))
        // RBT is protected: the diff still shows it, and says what reconcile would do.
        #expect(
            human.stdout.hasSuffix(
                "note: against a state recorded from base, reconcile would refuse this change: customer/RBT is protected (protect: true in the recorded state) and is never deleted; to remove it, first apply its manifest with protect: false, then delete it\n"
            ))
        let markdown = try provisor(["diff", "--base", "main", "--head", "feature", "--format", "markdown"], in: repository.url)
        #expect(markdown.stdout.hasPrefix("### Provisor diff\n") && markdown.stdout.contains("- `deleted   manifests/customers/rbt/users.yaml`"))

        // The same revision twice, and a rename alone, cause nothing.
        let same = try provisor(["diff", "--base", "feature", "--head", "feature"], in: repository.url)
        #expect(
            same.status == 0 && same.stdout.contains("No manifest files changed.")
                && same.stdout.hasSuffix("No changes: both sides give the same resources (\(132 - rbt.count)).\n"))
        try repository.git(["mv", "manifests/customers/jbl/users.yaml", "manifests/customers/jbl/people.yaml"])
        let moved = try provisor(["diff", "--base", "feature"], in: repository.url)
        #expect(moved.status == 0, "against the working tree: a move changes no resource")
        #expect(moved.stdout.contains("renamed   manifests/customers/jbl/people.yaml (from manifests/customers/jbl/users.yaml)"))

        let bad = try provisor(["diff", "--base", "mian"], in: repository.url)
        #expect(bad.status == 1 && bad.stderr.hasPrefix("error: unknown revision 'mian'"))
    }

    @Test func diffWorksInABareCloneGivenBothRevisions() throws {
        let repository = try exampleRepository()
        try repository.edit("manifests/resellers/kiwi.yaml") { $0.replacingOccurrences(of: "name: Kiwi Cloud", with: "name: Kiwi Cloud NZ") }
        try repository.commit("Rename Kiwi")
        let bare = TemporaryRepository(existing: FileManager.default.temporaryDirectory.appendingPathComponent("provisor-bare-\(UUID().uuidString)"))
        try TemporaryRepository.git(["clone", "-q", "--bare", repository.path, bare.path], in: FileManager.default.temporaryDirectory)
        let run = try provisor(["diff", "--repo", bare.path, "--base", "HEAD~1", "--head", "main"], in: packageRoot)
        #expect(run.status == 2)
        #expect(run.stdout.contains("~ reseller/KIWI  attribute changed\n        name  Kiwi Cloud → Kiwi Cloud NZ\n"))
        let noTree = try provisor(["diff", "--repo", bare.path, "--base", "HEAD~1"], in: packageRoot)
        #expect(
            noTree.status == 1 && noTree.stderr == "error: '\(bare.path)' is a bare repository, which has no working tree to compare with; pass --head REV\n")
    }

    @Test func ownershipViolationsAreReportedAtTheirLineAndChangedSinceReportsOnlyNewOnes() throws {
        let repository = try exampleRepository()
        // A violation already on main: KIWI's TKL file defines a user of ACME's JBL.
        try repository.edit("manifests/customers/tkl/users.yaml") {
            $0 + """
                ---
                apiVersion: provisor/v1
                kind: User
                metadata: { username: sneaky }
                spec:
                  customer: JBL
                  upn: sneaky@jonesbaker.example

                """
        }
        try repository.commit("A user in the wrong place")
        let full = try provisor(["validate"], in: repository.url)
        #expect(full.status == 1)
        #expect(
            full.stdout.contains(
                "manifests/customers/tkl/users.yaml:80:13: error: user 'sneaky' is outside reseller KIWI's subtree: its customer JBL belongs to reseller ACME"))

        // The next change hands FSG, in a file KIWI owns, to NEXUS: the customer and its four
        // users (in an unchanged file KIWI also owns) are now outside KIWI's subtree.
        try repository.edit("manifests/customers/fsg/customer.yaml") { $0.replacingOccurrences(of: "reseller: KIWI", with: "reseller: NEXUS") }
        let changed = try provisor(["validate", "--changed-since", "HEAD"], in: repository.url)
        #expect(changed.status == 1)
        let lines = changed.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "manifests/customers/fsg/customer.yaml:8:13: error: customer 'FSG' is outside reseller KIWI's subtree: it belongs to reseller NEXUS (this file is KIWI's through delegation.KIWI (provisor.yaml:11:3), path \"manifests/customers/fsg/**\"; move the definition to a file the provider or its own reseller owns)"
        )
        #expect(
            lines.dropFirst().dropLast().allSatisfy {
                $0.hasPrefix("manifests/customers/fsg/users.yaml:") && $0.contains("its customer FSG belongs to reseller NEXUS")
            })
        #expect(
            lines.last
                == "Invalid: 5 new errors, 1 manifest file changed since HEAD (\(try repository.git(["rev-parse", "--short=12", "HEAD"]))); 1 error that HEAD already had left out (run provisor validate to see them)."
        )
        let asJSON = try json(try provisor(["validate", "--changed-since", "HEAD", "--format", "json"], in: repository.url).stdout)
        #expect((asJSON["changed_since"] as! [String: Any])["files"] as? [String] == ["manifests/customers/fsg/customer.yaml"])
        #expect((asJSON["diagnostics"] as! [Any]).count == 5 && asJSON["valid"] as? Bool == false)

        // Undone, nothing new is left; removing TKL's customer breaks its unchanged users file,
        // which counts as new.
        try repository.git(["checkout", "--", "manifests/customers/fsg/customer.yaml"])
        let clean = try provisor(["validate", "--changed-since", "HEAD"], in: repository.url)
        #expect(clean.status == 0 && clean.stdout.hasPrefix("No new problems: 0 manifest files changed since HEAD"))
        try repository.git(["rm", "-q", "manifests/customers/tkl/customer.yaml"])
        let broken = try provisor(["validate", "--changed-since", "HEAD"], in: repository.url)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("manifests/customers/tkl/users.yaml:7:13: error: unknown customer 'TKL'"))
        #expect(!broken.stdout.contains("sneaky"), "the violation HEAD already had is left out")
    }

    @Test func aProvisorYamlInASubfolderKeepsItsPathsAndOwnersRelativeToItself() throws {
        let repository = try TemporaryRepository()
        try repository.copy(packageRoot.appendingPathComponent("examples/manifests"), to: "ops/manifests")
        try repository.copy(packageRoot.appendingPathComponent("examples/provisor.yaml"), to: "ops/provisor.yaml")
        try repository.edit("ops/manifests/customers/tkl/customer.yaml") { $0.replacingOccurrences(of: "reseller: KIWI", with: "reseller: ACME") }
        try repository.commit("Estate under ops/")
        let expected = "ops/manifests/customers/tkl/customer.yaml:8:13: error: customer 'TKL' is outside reseller KIWI's subtree: it belongs to reseller ACME"
        let fromGit = try provisor(["validate", "--ref", "HEAD", "--config", "ops/provisor.yaml"], in: repository.url)
        let fromDisk = try provisor(["validate", "--config", "ops/provisor.yaml"], in: repository.url)
        #expect(fromGit.status == 1 && fromGit.stdout.hasPrefix(expected), "\(fromGit.stdout)\(fromGit.stderr)")
        #expect(fromDisk.status == 1 && fromDisk.stdout.hasPrefix(expected), "\(fromDisk.stdout)\(fromDisk.stderr)")
        let missing = try provisor(["validate", "--ref", "HEAD", "--config", "ops/nothing.yaml"], in: repository.url)
        #expect(
            missing.status == 1
                && missing.stderr
                    == "error: configuration file 'ops/nothing.yaml' does not exist at HEAD (with --ref, --config is a path from the repository's top folder)\n"
        )
    }

    @Test func reconcileFromARevisionRecordsTheCommitInTheAuditLog() throws {
        let repository = try exampleRepository()
        let sha = try repository.git(["rev-parse", "HEAD"])
        let state = repository.path + "/state.db"
        // A plan saved from the files on disk is the same plan when applied from the revision.
        let plan = repository.path + "/plan.json"
        #expect(try provisor(["plan", "--state", state, "--out", plan], in: repository.url).status == 2)
        let apply = try provisor(
            ["reconcile", "--ref", "HEAD", "--plan", plan, "--state", state, "--simulate", repository.path + "/engines", "--actor", "ci"],
            in: repository.url, environment: Rehearsal.secrets)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.hasPrefix("Manifests at commit \(sha.prefix(12)) by Ana Lima <ana@acme.example>: Initial estate\n"))
        let history = try json(try provisor(["history", "customer/JBL", "--state", state, "--format", "json"], in: repository.url).stdout)
        let commit = ((history["entries"] as! [[String: Any]]).first?["commit"]) as? [String: Any]
        #expect(
            commit?["sha"] as? String == sha && commit?["author"] as? String == "Ana Lima"
                && commit?["message"] as? String == "Initial estate\n\nNine customers.\n")
        let human = try provisor(["history", "customer/JBL", "--state", state], in: repository.url)
        #expect(human.stdout.contains("by ci commit \(sha.prefix(12)) (Ana Lima <ana@acme.example>: Initial estate)\n"))
    }
}
