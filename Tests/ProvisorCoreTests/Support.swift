import Foundation

@testable import ProvisorCore

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func repoPath(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

/// Manifests given as in-memory files, for tests that need no directory.
struct MemorySource: ManifestSource {
    var files: [String: String]
    var description: String { "memory" }
    func manifestPaths() throws -> [String] { files.keys.sorted() }
    func read(_ path: String) throws -> [UInt8] { Array(files[path]!.utf8) }
}

/// Several sources read as one: e.g. the example estate plus one fixture file.
struct CombinedSource: ManifestSource {
    var sources: [any ManifestSource]
    var description: String { sources.map(\.description).joined(separator: " + ") }
    func manifestPaths() throws -> [String] { try sources.flatMap { try $0.manifestPaths() } }
    func read(_ path: String) throws -> [UInt8] {
        for source in sources where try source.manifestPaths().contains(path) { return try source.read(path) }
        throw SourceError.unreadable(path, reason: "not in any source")
    }
}

/// One decoded document, for tests that decode a single text.
enum Manifest {
    case engine(Engine)
    case service(Service)
    case reseller(Reseller)
    case customer(Customer)
    case user(User)
}

/// Parses one YAML text and decodes its documents, returning manifests and diagnostics.
func decode(_ yaml: String, file: String = "test.yaml") -> (manifests: [Manifest], diagnostics: [Diagnostic]) {
    let result = ManifestLoader.loadFile(file, from: MemorySource(files: [file: yaml]))
    let estate = result.estate
    let manifests =
        estate.engines.map(Manifest.engine) + estate.services.map(Manifest.service) + estate.resellers.map(Manifest.reseller)
        + estate.customers.map(Manifest.customer) + estate.users.map(Manifest.user)
    return (manifests, result.diagnostics.sorted())
}

/// Validates in-memory files on top of the example estate.
func validateWithExamples(_ files: [String: String]) throws -> [Diagnostic] {
    try ManifestPipeline.run(CombinedSource(sources: [DirectorySource(root: repoPath("examples/manifests")), MemorySource(files: files)])).diagnostics
}

/// The diagnostics as the CLI prints them, without the file.
func lines(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.text)" }
}
