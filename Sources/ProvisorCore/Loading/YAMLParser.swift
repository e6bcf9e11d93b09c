import CLibYAML

/// Builds `YAMLNode` trees from libyaml's event stream, keeping every node's line and column.
///
/// Anchors and aliases are supported (an alias shares the anchored node); merge keys (`<<`)
/// are applied with explicit keys winning; duplicate keys, unknown aliases and custom tags are
/// reported as diagnostics. A syntax error stops the file at that point: the documents before
/// it are kept, and the error carries libyaml's position and problem.
public enum YAMLParser {
    /// The most aliases one file may use; a guard against "billion laughs" documents.
    public static let aliasLimit = 10_000
    /// The deepest nesting of sequences and mappings one file may use. Parsing stops where it
    /// is passed, so a hostile file costs time linear in its size and never a deep tree.
    public static let depthLimit = 256

    public struct Result: Sendable {
        public var documents: [YAMLDocument]
        public var diagnostics: [Diagnostic]
    }

    public static func parse(_ bytes: [UInt8], file: String) -> Result {
        var builder = TreeBuilder(file: file)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return Result(
                documents: [],
                diagnostics: [
                    .error(at: SourceLocation(file: file, line: 0, column: 0), "could not start the YAML parser (out of memory)")
                ])
        }
        defer { yaml_parser_delete(&parser) }

        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.syntaxError(parser, bytes: buffer)
                    return
                }
                let done = event.type == YAML_STREAM_END_EVENT
                let goOn = builder.handle(&event)
                yaml_event_delete(&event)
                if done || !goOn { return }
            }
        }
        return Result(documents: builder.documents, diagnostics: builder.diagnostics)
    }
}

/// An open sequence or mapping. Its children wait on the builder's shared scratch stack from
/// `start` on (keys and values alternating for a mapping) until it closes, so each collection's
/// array is allocated once, at its final size.
private struct Frame {
    var isMapping: Bool
    var mark: Mark
    var anchor: String?
    var start: Int
}

private struct TreeBuilder {
    let file: String
    var documents: [YAMLDocument] = []
    var diagnostics: [Diagnostic] = []
    var stack: [Frame] = []
    var scratch: [YAMLNode] = []
    var anchors: [String: YAMLNode] = [:]
    var root: YAMLNode?
    var aliasCount = 0

    init(file: String) { self.file = file }

    func location(_ mark: Mark) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line), column: Int(mark.column))
    }

    mutating func error(_ mark: Mark, _ message: String, hint: String? = nil) {
        diagnostics.append(.error(at: location(mark), message, hint: hint))
    }

    /// Adds one event to the tree; false when parsing must stop (nesting past the limit).
    mutating func handle(_ event: inout yaml_event_t) -> Bool {
        let mark = Mark(line: UInt32(event.start_mark.line + 1), column: UInt32(event.start_mark.column + 1))
        if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT, stack.count == YAMLParser.depthLimit {
            error(
                mark, "the YAML is nested more than \(YAMLParser.depthLimit) levels deep here, so the rest of the file was not read",
                hint: "manifests need a few levels; flatten this value")
            return false
        }
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors.removeAll(keepingCapacity: true)
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            if let root, !Self.isEmptyDocument(root) {
                documents.append(YAMLDocument(file: file, root: root, index: documents.count))
            }
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = string(data.value, Int(data.length))
            var style: YAMLScalar.Style = data.style == YAML_PLAIN_SCALAR_STYLE ? .plain : .quoted
            if let tag = data.tag.map({ string($0) }) {
                if tag == "!" || tag == "tag:yaml.org,2002:str" {
                    style = .quoted
                } else {
                    error(
                        mark, "unsupported YAML tag '\(tag)'",
                        hint: "manifests use plain YAML without tags; remove the tag, or quote the value to make it a string")
                }
            }
            add(YAMLNode(.scalar(YAMLScalar(text, style: style)), at: mark), anchor: data.anchor)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            checkCollectionTag(data.tag, expected: "tag:yaml.org,2002:seq", mark: mark)
            stack.append(Frame(isMapping: false, mark: mark, anchor: data.anchor.map { string($0) }, start: scratch.count))
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            checkCollectionTag(data.tag, expected: "tag:yaml.org,2002:map", mark: mark)
            stack.append(Frame(isMapping: true, mark: mark, anchor: data.anchor.map { string($0) }, start: scratch.count))
        case YAML_SEQUENCE_END_EVENT:
            let frame = stack.removeLast()
            let items = Array(scratch[frame.start...])
            scratch.removeSubrange(frame.start...)
            finish(YAMLNode(.sequence(items), at: frame.mark), anchor: frame.anchor)
        case YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            var entries: [YAMLEntry] = []
            entries.reserveCapacity((scratch.count - frame.start) / 2)
            var index = frame.start
            while index + 1 < scratch.count {
                entries.append(YAMLEntry(key: scratch[index], value: scratch[index + 1]))
                index += 2
            }
            scratch.removeSubrange(frame.start...)
            finish(YAMLNode(.mapping(resolveMerges(entries)), at: frame.mark), anchor: frame.anchor)
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor)
            aliasCount += 1
            if aliasCount == YAMLParser.aliasLimit + 1 {
                error(mark, "too many aliases in one file (more than \(YAMLParser.aliasLimit))", hint: "split the file or write the values out")
            }
            if let node = anchors[name], aliasCount <= YAMLParser.aliasLimit {
                add(YAMLNode(node.content, at: mark), anchor: nil)
            } else {
                if anchors[name] == nil {
                    error(mark, "unknown alias '*\(name)'", hint: "define '&\(name)' on a node earlier in the same document")
                }
                dropPendingValue(at: mark)
            }
        default:
            break
        }
        return true
    }

    /// Leaves out a value that could not be built (an unknown alias), with its key, so that
    /// decoders report the alias alone rather than a wrong type as well.
    mutating func dropPendingValue(at mark: Mark) {
        guard let top = stack.last, top.isMapping else { return }
        if (scratch.count - top.start) % 2 == 1 {
            scratch.removeLast()
        } else {
            scratch.append(YAMLNode(.scalar(YAMLScalar("", style: .plain)), at: mark))
        }
    }

    mutating func checkCollectionTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, expected: String, mark: Mark) {
        guard let tag = tag.map({ string($0) }), tag != "!", tag != expected else { return }
        error(mark, "unsupported YAML tag '\(tag)'", hint: "manifests use plain YAML without tags; remove the tag")
    }

    mutating func add(_ node: YAMLNode, anchor: UnsafeMutablePointer<yaml_char_t>?) {
        finish(node, anchor: anchor.map { string($0) })
    }

    mutating func finish(_ node: YAMLNode, anchor: String?) {
        if let anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            root = node
            return
        }
        scratch.append(node)
    }

    /// Applies `<<` merge keys and reports duplicate explicit keys (the first one is kept).
    /// Returns `entries` untouched, without copying, when there is neither.
    mutating func resolveMerges(_ entries: [YAMLEntry]) -> [YAMLEntry] {
        func isMerge(_ entry: YAMLEntry) -> Bool { entry.key.scalar?.style == .plain && entry.key.scalar?.text == "<<" }
        var hasMerge = false
        var duplicates: Set<Int> = []
        var seen: [String: Mark] = [:]
        let useIndex = entries.count > 8
        for (position, entry) in entries.enumerated() {
            guard let key = entry.keyText else { continue }
            if isMerge(entry) {
                hasMerge = true
                continue
            }
            let first =
                useIndex
                ? seen[key]
                : entries[..<position].first { !isMerge($0) && $0.keyText == key }?.key.mark
            if let first {
                duplicates.insert(position)
                error(
                    entry.key.mark, "duplicate key '\(key)' (first defined at line \(first.line), column \(first.column))",
                    hint: "remove one of them; YAML mappings cannot repeat a key")
            } else if useIndex {
                seen[key] = entry.key.mark
            }
        }
        guard hasMerge || !duplicates.isEmpty else { return entries }

        let explicit = entries.enumerated().filter { !duplicates.contains($0.offset) && !isMerge($0.element) }.map(\.element)
        guard hasMerge else { return explicit }
        var present = Set(explicit.compactMap(\.keyText))
        var merged = explicit
        for entry in entries where isMerge(entry) {
            let sources: [YAMLNode]
            if case .sequence(let items) = entry.value.content { sources = items } else { sources = [entry.value] }
            for source in sources {
                guard case .mapping(let sourceEntries) = source.content else {
                    error(
                        source.mark, "a merge key '<<' must be given a mapping or a list of mappings, found \(source.kindDescription)",
                        hint: "write '<<: *anchor' where '&anchor' names a mapping")
                    continue
                }
                for sourceEntry in sourceEntries {
                    if let text = sourceEntry.keyText {
                        guard present.insert(text).inserted else { continue }
                    }
                    merged.append(sourceEntry)
                }
            }
        }
        return merged
    }

    mutating func syntaxError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        if parser.error == YAML_READER_ERROR {
            // The reader (encoding, control characters) gives a byte offset, not a mark.
            let offset = min(Int(parser.problem_offset), bytes.count)
            var line = 1, lineStart = 0
            for index in 0..<offset where bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            // The column counts characters, as libyaml's marks do: UTF-8 continuation bytes are not counted.
            let column = bytes[lineStart..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
            let code = parser.problem_value >= 0 ? " #" + String(parser.problem_value, radix: 16, uppercase: true) : ""
            let what =
                problem.contains("UTF-8") || problem.contains("Unicode")
                ? "the file is not valid UTF-8 here (\(problem))"
                : "a character YAML does not allow is here (\(problem)\(code))"
            error(
                Mark(line: UInt32(line), column: UInt32(column)), what,
                hint: "save the file as UTF-8 text; control characters such as NUL cannot appear in YAML, even quoted")
            return
        }
        let problemMark = Mark(line: UInt32(parser.problem_mark.line + 1), column: UInt32(parser.problem_mark.column + 1))
        var message = "malformed YAML: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " \(context) that starts at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1)"
        }
        error(problemMark, message, hint: "check the indentation, quoting and ':' near this position; tabs cannot indent YAML")
    }

    static func isEmptyDocument(_ node: YAMLNode) -> Bool {
        if case .scalar(let scalar) = node.content, scalar.style == .plain, scalar.text.isEmpty { return true }
        return false
    }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>, _ length: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }
}
