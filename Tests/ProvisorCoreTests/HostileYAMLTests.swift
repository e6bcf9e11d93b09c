import Foundation
import Testing

@testable import ProvisorCore

/// Hostile and damaged manifest bytes: each is a diagnostic at the position it starts, found in
/// time linear in the input, and never a crash.
@Suite struct HostileYAMLTests {
    func diagnostics(_ bytes: [UInt8]) -> [String] {
        YAMLParser.parse(bytes, file: "x.yaml").diagnostics.map(\.description)
    }

    static let tooDeep =
        "the YAML is nested more than 256 levels deep here, so the rest of the file was not read (manifests need a few levels; flatten this value)"

    @Test func nestingDeeperThanTheLimitStopsWhereItIsPassedInFlowAndBlockStyle() {
        // 100,000 levels: before, block style crashed (SIGSEGV) and flow style took quadratic time.
        let flow = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(diagnostics(flow) == ["x.yaml:1:257: error: \(Self.tooDeep)"])
        let block = Array((String(repeating: "- ", count: 100_000) + "x\n").utf8)
        #expect(diagnostics(block) == ["x.yaml:1:513: error: \(Self.tooDeep)"])
        let mappings = Array((String(repeating: "{a: ", count: 100_000)).utf8)
        #expect(diagnostics(mappings) == ["x.yaml:1:1025: error: \(Self.tooDeep)"])
        // The limit itself is allowed, and documents before the deep one are kept.
        let atLimit = "ok: 1\n---\n" + String(repeating: "[", count: 256) + String(repeating: "]", count: 256) + "\n"
        let parsed = YAMLParser.parse(Array(atLimit.utf8), file: "x.yaml")
        #expect(parsed.diagnostics.isEmpty && parsed.documents.count == 2)
    }

    @Test func badEncodingAndControlCharactersAreReportedWhereTheyAre() {
        let lines = (1...10).map { "key\($0): value ü \($0)" }.joined(separator: "\n") + "\n"
        var invalid = Array(lines.utf8)
        invalid += Array("name: Ab".utf8) + [0xFF] + Array("c\n".utf8)
        #expect(
            diagnostics(invalid) == [
                "x.yaml:11:9: error: the file is not valid UTF-8 here (invalid leading UTF-8 octet) (save the file as UTF-8 text; control characters such as NUL cannot appear in YAML, even quoted)"
            ])
        var nul = Array(lines.utf8)
        nul += Array("name: \"Ab".utf8) + [0x00] + Array("c\"\n".utf8)
        #expect(
            diagnostics(nul) == [
                "x.yaml:11:10: error: a character YAML does not allow is here (control characters are not allowed #0) (save the file as UTF-8 text; control characters such as NUL cannot appear in YAML, even quoted)"
            ])
    }
}
