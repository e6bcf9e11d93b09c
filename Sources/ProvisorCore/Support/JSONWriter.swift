/// Writes JSON text directly, in the order it is told, pretty-printed with two spaces or
/// compact. Much faster than `JSONEncoder` for the large documents a plan can be (a full
/// create of a 10,000-customer estate), and its output is exactly what the caller wrote.
public struct JSONWriter {
    /// UTF-8 bytes: appending to an array is several times cheaper than to a String, and a
    /// document is millions of small appends.
    private var bytes: [UInt8] = []
    /// The document written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    private let pretty: Bool
    /// For each open container, whether it has an element yet.
    private var open: [Bool] = []
    private var afterKey = false
    /// "\n" followed by each depth's indentation, made once.
    private var newlines: [String] = ["\n"]

    /// Strings write "<" as \u003c, so the JSON can stand inside an HTML script element.
    private let scriptSafe: Bool

    public init(pretty: Bool = true, capacity: Int = 0, scriptSafe: Bool = false) {
        self.pretty = pretty
        self.scriptSafe = scriptSafe
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        element()
        bytes.append(UInt8(ascii: "{"))
        open.append(false)
    }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() {
        element()
        bytes.append(UInt8(ascii: "["))
        open.append(false)
    }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// The next member's name; its value follows.
    public mutating func key(_ name: String) {
        element()
        Self.appendString(name, to: &bytes, scriptSafe: scriptSafe)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    public mutating func string(_ value: String) {
        element()
        Self.appendString(value, to: &bytes, scriptSafe: scriptSafe)
    }
    public mutating func integer(_ value: Int) {
        element()
        bytes.append(contentsOf: String(value).utf8)
    }
    public mutating func boolean(_ value: Bool) {
        element()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }
    public mutating func null() {
        element()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Writes `raw`, which must be one valid JSON value.
    public mutating func raw(_ raw: String) {
        element()
        bytes.append(contentsOf: raw.utf8)
    }

    /// An attribute value: strings, numbers, booleans and lists as themselves, a secret as
    /// "(sensitive)".
    public mutating func value(_ value: AttributeValue) {
        switch value {
        case .string(let string): self.string(string)
        case .integer(let number): integer(number)
        case .number(let number): raw("\(number)")
        case .boolean(let flag): boolean(flag)
        case .list(let items):
            beginArray()
            for item in items { string(item) }
            endArray()
        case .secret: string(value.description)
        }
    }

    public mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func member(_ name: String, _ value: Int) {
        key(name)
        integer(value)
    }

    /// Attributes as one object, by name.
    public mutating func attributes(_ attributes: [Attribute]) {
        beginObject()
        for attribute in attributes {
            key(attribute.name)
            value(attribute.value)
        }
        endObject()
    }

    private mutating func element() {
        if afterKey {
            afterKey = false
            return
        }
        guard let hasElements = open.last else { return }
        if hasElements { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1] = true
        newline()
    }

    private mutating func close(_ bracket: UInt8) {
        let hadElements = open.removeLast()
        if hadElements { newline() }
        bytes.append(bracket)
    }

    private mutating func newline() {
        guard pretty else { return }
        while newlines.count <= open.count { newlines.append(newlines[newlines.count - 1] + "  ") }
        bytes.append(contentsOf: newlines[open.count].utf8)
    }

    /// Hands the text written so far to `sink` once it is past `threshold` bytes, and starts
    /// again: a large document goes out in pieces instead of being held whole.
    public mutating func flush(past threshold: Int = 1 << 20, to sink: (String) throws -> Void) rethrows {
        guard bytes.count >= threshold else { return }
        try sink(text)
        bytes.removeAll(keepingCapacity: true)
    }

    /// `string` as a JSON string literal. The runs between characters that need escaping are
    /// appended whole: JSON text inside JSON (an outbox message's body) escapes every quote.
    public static func appendString(_ string: String, to text: inout String) {
        text.append("\"")
        let utf8 = string.utf8
        var run = utf8.startIndex
        var index = run
        while index != utf8.endIndex {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index = utf8.index(after: index)
                continue
            }
            text.append(contentsOf: string[run..<index])
            text.append(escape(byte))
            index = utf8.index(after: index)
            run = index
        }
        // Most strings need no escape: appended whole, which is cheaper than as a slice.
        if run == utf8.startIndex { text.append(string) } else { text.append(contentsOf: string[run..<utf8.endIndex]) }
        text.append("\"")
    }

    /// `string` as a JSON string literal, in UTF-8; with `scriptSafe`, "<" as \u003c.
    public static func appendString(_ string: String, to bytes: inout [UInt8], scriptSafe: Bool = false) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var run = 0
            for (index, byte) in utf8.enumerated()
            where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (scriptSafe && byte == UInt8(ascii: "<")) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                bytes.append(contentsOf: escape(byte).utf8)
                run = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// How JSON writes a quote, a backslash or a control character (and "<" when script-safe).
    private static func escape(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\""): return #"\""#
        case UInt8(ascii: "\\"): return #"\\"#
        case UInt8(ascii: "\n"): return #"\n"#
        case UInt8(ascii: "\r"): return #"\r"#
        case UInt8(ascii: "\t"): return #"\t"#
        default:
            let hex = String(byte, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
    }
}
