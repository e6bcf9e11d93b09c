import Foundation
import Testing

@testable import ProvisorCore

/// Each fixture in Fixtures/invalid adds one defect to the example estate. Its first line says
/// whether the JSON Schemas reject it too (`# schema: invalid`, a structural defect) or accept
/// it (`# schema: valid`, a cross-document defect only Provisor sees); its `# expect:` lines
/// are the exact diagnostics `provisor validate` must print for it, and nothing else.
struct InvalidFixture: CustomTestStringConvertible, Sendable {
    var name: String
    var path: String
    var schemaRejects: Bool
    var expected: [String]
    var testDescription: String { name }

    static let directory = repoPath("Tests/ProvisorCoreTests/Fixtures/invalid")

    static let all: [InvalidFixture] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            let path = directory + "/" + name
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }
            return InvalidFixture(
                name: String(name.dropLast(5)), path: path,
                schemaRejects: header.contains("# schema: invalid"),
                expected: header.filter { $0.hasPrefix("# expect: ") }.map { String($0.dropFirst("# expect: ".count)) })
        }
    }()
}

@Suite struct FixtureTests {
    @Test func theCorpusIsLargeEnough() {
        #expect(InvalidFixture.all.count >= 60)
        #expect(InvalidFixture.all.filter(\.schemaRejects).count >= 30)
        #expect(InvalidFixture.all.allSatisfy { !$0.expected.isEmpty })
    }

    @Test func theExamplesAreValid() throws {
        let report = try ManifestPipeline.run(DirectorySource(root: repoPath("examples/manifests")))
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.estate.customers.count >= 8)
        #expect(report.estate.users.count >= 40)
        #expect(Set(report.estate.engines.map(\.adapter)) == Set(Engine.Adapter.allCases))
        #expect(Set(report.estate.customers.map(\.type)) == Set(Customer.CustomerType.allCases))
        #expect(Set(report.estate.customers.map(\.customerLocation.type)) == Set(Customer.Location.Kind.allCases))
        #expect(report.estate.customers.contains { $0.status == .suspended })
        #expect(report.estate.resellers.filter { !$0.isRoot }.count >= 2)
    }

    @Test(arguments: InvalidFixture.all)
    func fixtureReportsExactlyItsDefect(_ fixture: InvalidFixture) throws {
        let source = CombinedSource(sources: [DirectorySource(root: repoPath("examples/manifests")), DirectorySource(root: fixture.path)])
        let report = try ManifestPipeline.run(source)
        #expect(!report.isValid)
        #expect(report.diagnostics.allSatisfy { $0.location.file == fixture.path }, "diagnostics outside the fixture: \(report.diagnostics)")
        // The corpus writes the example estate's folder as m/ and the fixture as m/fixture.yaml.
        let normalised = lines(report.diagnostics).map {
            $0.replacingOccurrences(of: fixture.path, with: "m/fixture.yaml").replacingOccurrences(of: repoPath("examples/manifests"), with: "m")
        }
        #expect(normalised == fixture.expected)
    }
}
