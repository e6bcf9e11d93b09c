import Foundation
import Testing

/// The README, CHANGELOG.md and docs/ link to each other and to the repository's files: every
/// link must lead somewhere, and every `#anchor` to a heading that exists.
@Suite struct DocumentationLinkTests {
    /// The documents checked, from the package's top folder.
    static var documents: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("docs").path)) ?? []
        return ["README.md", "CHANGELOG.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    @Test func theDocumentsAreThere() {
        let documents = Self.documents
        for expected in [
            "README.md", "CHANGELOG.md", "docs/manifests.md", "docs/commands.md", "docs/engines.md", "docs/state.md",
            "docs/rightsizing.md", "docs/import.md", "docs/development.md", "docs/benchmarks.md", "docs/decisions.md",
        ] {
            #expect(documents.contains(expected), "\(expected) is missing")
        }
    }

    @Test(arguments: documents)
    func everyLinkLeadsSomewhere(_ document: String) throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(document), encoding: .utf8)
        let folder = (document as NSString).deletingLastPathComponent
        var broken: [String] = []
        for link in Self.links(in: text) where !link.hasPrefix("http://") && !link.hasPrefix("https://") && !link.hasPrefix("mailto:") {
            let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let path =
                parts[0].isEmpty
                ? packageRoot.appendingPathComponent(document).path
                : packageRoot.appendingPathComponent(folder).appendingPathComponent(parts[0]).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else {
                broken.append("\(link): no such file")
                continue
            }
            if parts.count == 2 {
                let headings = Self.anchors(in: try String(contentsOfFile: path, encoding: .utf8))
                if !headings.contains(parts[1]) { broken.append("\(link): no heading with the anchor #\(parts[1])") }
            }
        }
        #expect(broken == [], "\(document) has broken links")
    }

    @Test func anchorsAreMadeAsGitHubMakesThem() {
        #expect(Self.anchors(in: "## `provisor drift` and `provisor reconcile --refresh`\n") == ["provisor-drift-and-provisor-reconcile---refresh"])
        #expect(Self.anchors(in: "### PostgreSQL: one state for several runners\n```\n# not a heading\n```\n") == ["postgresql-one-state-for-several-runners"])
        #expect(Self.links(in: "see [a](docs/a.md#x) and `[b](c)` and\n```\n[d](e)\n```\n") == ["docs/a.md#x"])
    }

    /// The targets of the `[text](target)` links outside code.
    static func links(in text: String) -> [String] {
        var links: [String] = []
        for line in prose(text) {
            var rest = Substring(line)
            while let open = rest.range(of: "](") {
                let before = rest[..<open.lowerBound]
                rest = rest[open.upperBound...]
                guard let close = rest.firstIndex(of: ")") else { break }
                // A link inside inline code is an example, not a link.
                if before.filter({ $0 == "`" }).count % 2 == 0 { links.append(String(rest[..<close])) }
                rest = rest[rest.index(after: close)...]
            }
        }
        return links
    }

    /// The anchors GitHub gives the document's headings: lower case, punctuation dropped,
    /// spaces as hyphens.
    static func anchors(in text: String) -> Set<String> {
        Set(
            prose(text).filter { $0.hasPrefix("#") }.map { heading in
                let title = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                return String(
                    title.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == " " || $0 == "_" }
                        .map(Character.init)
                ).replacingOccurrences(of: " ", with: "-")
            })
    }

    /// The lines outside fenced code blocks.
    static func prose(_ text: String) -> [String] {
        var inCode = false
        return text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
            if line.hasPrefix("```") {
                inCode.toggle()
                return nil
            }
            return inCode ? nil : String(line)
        }
    }
}
