import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorTesting
import Testing

/// Reads what a source holds: every path with its text.
func contents(_ source: some ManifestSource) throws -> [String: String] {
    var files: [String: String] = [:]
    for path in try source.manifestPaths() { files[path] = String(decoding: try source.read(path), as: UTF8.self) }
    return files
}

/// A repository with two commits on main (tagged v1 and v2, v1 annotated), a branch `feature`
/// with a third, and files that are not manifests.
func history() throws -> (repository: TemporaryRepository, first: String, second: String, feature: String) {
    let repository = try TemporaryRepository()
    try repository.write("manifests/a.yaml", "a: 1\n")
    try repository.write("manifests/sub/b.yml", "b: 1\n")
    try repository.write("manifests/README.md", "not a manifest\n")
    try repository.write("manifests/.hidden/c.yaml", "hidden: true\n")
    try repository.write("other/x.yaml", "outside: true\n")
    let first = try repository.commit("First estate\n\nWith a body.")
    try repository.git(["tag", "-a", "v1", "-m", "version 1"])
    try repository.write("manifests/a.yaml", "a: 2\n")
    try repository.write("manifests/sub/new.yaml", "new: 1\n")
    let second = try repository.commit("Second", author: "Ben Ode <ben@kiwi.example>")
    try repository.git(["tag", "v2"])
    try repository.git(["checkout", "-q", "-b", "feature"])
    try repository.write("manifests/a.yaml", "a: 3\n")
    let feature = try repository.commit("Feature work")
    try repository.git(["checkout", "-q", "main"])
    return (repository, first, second, feature)
}

@Suite struct GitSourceTests {
    @Test func everyRevisionFormReadsThatCommitsFiles() throws {
        let (repository, first, second, feature) = try history()
        let git = try GitRepository(path: repository.path)
        let atFirst = ["manifests/a.yaml": "a: 1\n", "manifests/sub/b.yml": "b: 1\n"]
        let atSecond = ["manifests/a.yaml": "a: 2\n", "manifests/sub/b.yml": "b: 1\n", "manifests/sub/new.yaml": "new: 1\n"]
        let forms: [(String, String, [String: String])] = [
            ("main", second, atSecond), ("HEAD", second, atSecond), ("HEAD~1", first, atFirst), ("main~1", first, atFirst),
            ("v1", first, atFirst), ("v2", second, atSecond), (first, first, atFirst), (String(first.prefix(7)), first, atFirst),
            ("feature", feature, atSecond.merging(["manifests/a.yaml": "a: 3\n"]) { $1 }),
        ]
        for (revision, sha, expected) in forms {
            let source = try git.source(at: revision, manifests: "manifests")
            #expect(source.commit?.sha == sha, "\(revision)")
            #expect(try contents(source) == expected, "\(revision)")
            #expect(try source.manifestPaths() == expected.keys.sorted(), "paths are sorted and from the repository's top: \(revision)")
        }
        // The whole tree, "." and "./manifests/" name the same folders as on disk.
        #expect(try git.source(at: "main", manifests: ".").manifestPaths() == atSecond.keys.sorted() + ["other/x.yaml"])
        #expect(try contents(git.source(at: "main", manifests: "./manifests/")) == atSecond)
        #expect(try contents(git.source(at: "main", manifests: "manifests/a.yaml")) == ["manifests/a.yaml": "a: 2\n"])
    }

    @Test func theCommitCarriesItsAuthorAndMessage() throws {
        let (repository, first, second, _) = try history()
        let git = try GitRepository(path: repository.path)
        let commit = try git.commit("v1")
        #expect(commit.sha == first)
        #expect(commit.authorName == "Ana Lima" && commit.authorEmail == "ana@acme.example")
        #expect(commit.message == "First estate\n\nWith a body.\n" && commit.summary == "First estate")
        #expect(commit.shortSHA == String(first.prefix(12)))
        let time = try repository.git(["log", "-1", "--format=%at", first])
        #expect(commit.authoredAt == Date(timeIntervalSince1970: TimeInterval(time)!))
        #expect(try git.commit("main").author == "Ben Ode <ben@kiwi.example>")
        #expect(try git.commit("main").sha == second)
    }

    @Test func aBareCloneAndRemoteBranchesAreRead() throws {
        let (repository, _, second, _) = try history()
        let bare = TemporaryRepository(existing: FileManager.default.temporaryDirectory.appendingPathComponent("provisor-bare-\(UUID().uuidString)"))
        try TemporaryRepository.git(["clone", "-q", "--bare", repository.path, bare.path], in: FileManager.default.temporaryDirectory)
        let fromBare = try GitRepository(path: bare.path)
        #expect(fromBare.workingTree == nil)
        #expect(try fromBare.source(at: "main", manifests: "manifests").commit?.sha == second)
        #expect(try contents(fromBare.source(at: "feature", manifests: "manifests"))["manifests/a.yaml"] == "a: 3\n")

        // A clone's origin/main moves on with a fetch, while its own main stays.
        let clone = TemporaryRepository(existing: FileManager.default.temporaryDirectory.appendingPathComponent("provisor-clone-\(UUID().uuidString)"))
        try TemporaryRepository.git(["clone", "-q", repository.path, clone.path], in: FileManager.default.temporaryDirectory)
        try repository.write("manifests/a.yaml", "a: 4\n")
        let third = try repository.commit("Third")
        try clone.git(["fetch", "-q", "origin"])
        let fromClone = try GitRepository(path: clone.path)
        #expect(try fromClone.commit("origin/main").sha == third)
        #expect(try fromClone.commit("main").sha == second)
        #expect(try contents(fromClone.source(at: "origin/main", manifests: "manifests"))["manifests/a.yaml"] == "a: 4\n")
    }

    @Test func badRevisionsAndPathsAreClearErrors() throws {
        let (repository, _, _, _) = try history()
        let git = try GitRepository(path: repository.path)
        #expect(throws: GitError.unknownRevision("nope", repository: "repository \(repository.path)")) { try git.commit("nope") }
        #expect(throws: GitError.unknownRevision("HEAD~9", repository: "repository \(repository.path)")) { try git.commit("HEAD~9") }
        #expect(throws: GitError.notACommit("HEAD:manifests", kind: "tree")) { try git.commit("HEAD:manifests") }
        #expect(throws: GitError.self) { try git.source(at: "main", manifests: "nowhere") }
        do {
            _ = try git.source(at: "v1", manifests: "manifests/sub/new.yaml")
            Issue.record("a path missing at v1 was read")
        } catch let error as GitError {
            #expect(error.description.hasPrefix("error: 'manifests/sub/new.yaml' does not exist at v1 ("))
        }

        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plain) }
        #expect(throws: GitError.notARepository(plain.path, reason: "no .git folder, and not a bare repository")) { try GitRepository(path: plain.path) }
        #expect(throws: GitError.notARepository(plain.path + "/missing", reason: "no such folder")) { try GitRepository(path: plain.path + "/missing") }
        // A folder inside a repository is not its top: nothing above it is searched.
        #expect(throws: GitError.self) { try GitRepository(path: repository.path + "/manifests") }
        #expect(
            GitError.unknownRevision("nope", repository: "repository .").description
                == "error: unknown revision 'nope' in repository .; give a branch, tag, commit SHA (full or short), HEAD~N or a remote branch such as origin/main (git fetch first)"
        )
    }

    @Test func aSymbolicLinkIsADiagnosticNotASilentGap() throws {
        let repository = try TemporaryRepository()
        try repository.write("manifests/real.yaml", "a: 1\n")
        try FileManager.default.createSymbolicLink(atPath: repository.path + "/manifests/link.yaml", withDestinationPath: "real.yaml")
        try repository.commit("With a link")
        let source = try GitRepository(path: repository.path).source(at: "HEAD", manifests: "manifests")
        #expect(try source.manifestPaths() == ["manifests/link.yaml", "manifests/real.yaml"])
        #expect(
            throws: SourceError.unreadable(
                "manifests/link.yaml", reason: "it is a symbolic link in git, which Provisor does not follow; commit the file itself")
        ) {
            try source.read("manifests/link.yaml")
        }
    }

    @Test func changedFilesBetweenRevisionsAndTheWorkingTree() throws {
        let repository = try TemporaryRepository()
        try repository.write("m/keep.yaml", "keep: 1\n")
        try repository.write("m/edit.yaml", "edit: 1\n")
        try repository.write("m/old-name.yaml", "moved: 1\n")
        try repository.write("m/gone.yaml", "gone: 1\n")
        try repository.commit("Base")
        try repository.git(["mv", "m/old-name.yaml", "m/new-name.yaml"])
        try repository.write("m/edit.yaml", "edit: 2\n")
        try repository.write("m/added.yaml", "added: 1\n")
        try repository.git(["rm", "-q", "m/gone.yaml"])
        try repository.commit("Head")
        let git = try GitRepository(path: repository.path)
        let base = try git.source(at: "HEAD~1", manifests: "m").blobIDs
        let head = try git.source(at: "HEAD", manifests: "m").blobIDs
        let expected = [
            ManifestFileChange(.added, "m/added.yaml"), ManifestFileChange(.modified, "m/edit.yaml"), ManifestFileChange(.deleted, "m/gone.yaml"),
            ManifestFileChange(.renamed, "m/new-name.yaml", from: "m/old-name.yaml"),
        ]
        #expect(ManifestFileChange.between(base: base, head: head) == expected)
        #expect(ManifestFileChange.between(base: head, head: head).isEmpty)

        // The working tree hashes as git would store it.
        try repository.write("m/keep.yaml", "keep: 2\n")
        let disk = try git.blobIDs(of: DirectorySource(root: repository.path + "/m"))
        #expect(disk["m/keep.yaml"]?.description == (try repository.git(["hash-object", "m/keep.yaml"])))
        #expect(ManifestFileChange.between(base: head, head: disk) == [ManifestFileChange(.modified, "m/keep.yaml")])
    }

    @Test func manyThreadsReadOneRevisionAtOnce() throws {
        let repository = try TemporaryRepository()
        for index in 0..<300 { try repository.write("m/f\(index).yaml", "index: \(index)\n") }
        try repository.commit("Many files")
        let source = try GitRepository(path: repository.path).source(at: "HEAD", manifests: "m")
        let paths = try source.manifestPaths()
        let texts = parallelMap(paths.count) { String(decoding: (try? source.read(paths[$0])) ?? [], as: UTF8.self) }
        #expect(texts.count == 300)
        for (path, text) in zip(paths, texts) {
            #expect(text == "index: \(path.dropFirst(3).dropLast(5))\n")
        }
    }
}
