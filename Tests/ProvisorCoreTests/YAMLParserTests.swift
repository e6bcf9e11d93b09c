import Testing

@testable import ProvisorCore

@Suite struct YAMLParserTests {
    func parse(_ text: String) -> YAMLParser.Result { YAMLParser.parse(Array(text.utf8), file: "f.yaml") }

    func mapping(_ node: YAMLNode) -> [(String, YAMLNode)] {
        guard case .mapping(let entries) = node.content else { return [] }
        return entries.map { ($0.keyText ?? "?", $0.value) }
    }

    @Test func everyNodeKeepsItsLineAndColumn() {
        let result = parse("a: 1\nb:\n  - x\n  - { c: d }\n")
        #expect(result.diagnostics.isEmpty)
        let root = mapping(result.documents[0].root)
        #expect(root.map(\.0) == ["a", "b"])
        #expect(root[0].1.mark == Mark(line: 1, column: 4))
        guard case .sequence(let items) = root[1].1.content else {
            Issue.record("not a sequence")
            return
        }
        #expect(items[0].mark == Mark(line: 3, column: 5))
        #expect(items[1].mark == Mark(line: 4, column: 5))
        #expect(mapping(items[1])[0].1.mark == Mark(line: 4, column: 10))
    }

    @Test func severalDocumentsAndEmptyOnesAreSkipped() {
        let result = parse("---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n")
        #expect(result.documents.count == 2)
        #expect(result.documents.map(\.index) == [0, 1])
        #expect(result.documents[1].root.mark.line == 7)
    }

    @Test func yaml11SpellingsStayAsWritten() {
        let result = parse("a: no\nb: on\nc: 010\nd: 'yes'\ne: true\nf: 1.5\ng: ~\n")
        let values = mapping(result.documents[0].root).map { $0.1.scalar! }
        #expect(values.map(\.text) == ["no", "on", "010", "yes", "true", "1.5", "~"])
        #expect(values[0].resolved == .string("no"))
        #expect(values[1].resolved == .string("on"))
        #expect(values[2].resolved == .integer(10, hasLeadingZero: true))
        #expect(values[3].resolved == .string("yes"))
        #expect(values[4].resolved == .boolean(true))
        #expect(values[5].resolved == .number("1.5"))
        #expect(values[6].resolved == .null)
    }

    @Test func quotedAndStrTaggedScalarsAreStrings() {
        let result = parse("a: \"true\"\nb: !!str 12\nc: |\n  12\n")
        let values = mapping(result.documents[0].root).map { $0.1.scalar! }
        #expect(values.allSatisfy { $0.style == .quoted })
        #expect(values[1].resolved == .string("12"))
        #expect(result.diagnostics.isEmpty)
    }

    @Test func aliasesShareTheAnchoredNode() {
        let result = parse("base: &b { x: 1 }\nuse: *b\n")
        #expect(result.diagnostics.isEmpty)
        let root = mapping(result.documents[0].root)
        #expect(mapping(root[1].1).map(\.0) == ["x"])
        #expect(root[1].1.mark == Mark(line: 2, column: 6))
    }

    @Test func mergeKeysApplyWithExplicitKeysWinning() {
        let result = parse("defaults: &d { a: 1, b: 2 }\nmore: &m { c: 3 }\nitem:\n  <<: [*d, *m]\n  b: 20\n")
        #expect(result.diagnostics.isEmpty)
        let item = mapping(mapping(result.documents[0].root)[2].1)
        #expect(item.map(\.0) == ["b", "a", "c"])
        #expect(item[0].1.scalar?.text == "20")
    }

    @Test func aMergeOfAScalarIsAnError() {
        let result = parse("a:\n  <<: 5\n")
        #expect(
            lines(result.diagnostics) == [
                "2:7: error: a merge key '<<' must be given a mapping or a list of mappings, found the number 5 (write '<<: *anchor' where '&anchor' names a mapping)"
            ])
    }

    @Test func duplicateKeysAreReportedAtTheSecond() {
        let result = parse("a: 1\nb: 2\na: 3\n")
        #expect(
            lines(result.diagnostics) == [
                "3:1: error: duplicate key 'a' (first defined at line 1, column 1) (remove one of them; YAML mappings cannot repeat a key)"
            ])
        #expect(mapping(result.documents[0].root).map { $0.1.scalar!.text } == ["1", "2"])
    }

    @Test func duplicateKeysInLargeMappingsAreFoundToo() {
        let text = (0..<20).map { "k\($0): v" }.joined(separator: "\n") + "\nk7: again\n"
        #expect(
            lines(parse(text).diagnostics) == [
                "21:1: error: duplicate key 'k7' (first defined at line 8, column 1) (remove one of them; YAML mappings cannot repeat a key)"
            ])
    }

    @Test func customTagsAreRejected() {
        #expect(
            lines(parse("a: !secret x\n").diagnostics) == [
                "1:4: error: unsupported YAML tag '!secret' (manifests use plain YAML without tags; remove the tag, or quote the value to make it a string)"
            ])
    }

    @Test func syntaxErrorsCarryTheParsersPositionAndKeepEarlierDocuments() {
        let result = parse("a: 1\n---\nb: [1, 2\n")
        #expect(result.documents.count == 1)
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].message.hasPrefix("malformed YAML: did not find expected ',' or ']'"))
        #expect(result.diagnostics[0].location.line == 4)
    }

    @Test func tooManyAliasesStopABillionLaughs() {
        var text = "a: &a [x, x]\n"
        for i in 0..<12 { text += "l\(i): &l\(i) [" + Array(repeating: i == 0 ? "*a" : "*l\(i - 1)", count: 1000).joined(separator: ",") + "]\n" }
        let result = parse(text)
        #expect(result.diagnostics.contains { $0.message == "too many aliases in one file (more than \(YAMLParser.aliasLimit))" })
    }

    @Test func invalidUTF8IsAClearError() {
        let result = YAMLParser.parse([0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x0A], file: "f.yaml")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].description.hasPrefix("f.yaml:1:4: error: the file is not valid UTF-8 here (invalid leading UTF-8 octet)"))
    }
}
