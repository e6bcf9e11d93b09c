/// Writes JSON text directly, in the order it is told, pretty-printed with two spaces or
/// compact. Much faster than `JSONEncoder` for the large documents a plan can be (a full
/// create of a 10,000-customer estate), and its output is exactly what the caller wrote.
public struct JSONWriter {
    public private(set) var text = ""
    private let pretty: Bool
    /// For each open container, whether it has an element yet.
    private var open: [Bool] = []
    private var afterKey = false
    /// "\n" followed by each depth's indentation, made once.
    private var newlines: [String] = ["\n"]

    public init(pretty: Bool = true, capacity: Int = 0) {
        self.pretty = pretty
        text.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        element()
        text.append("{")
        open.append(false)
    }
    public mutating func endObject() { close("}") }
    public mutating func beginArray() {
        element()
        text.append("[")
        open.append(false)
    }
    public mutating func endArray() { close("]") }

    /// The next member's name; its value follows.
    public mutating func key(_ name: String) {
        element()
        Self.appendString(name, to: &text)
        text.append(pretty ? ": " : ":")
        afterKey = true
    }

    public mutating func string(_ value: String) {
        element()
        Self.appendString(value, to: &text)
    }
    public mutating func integer(_ value: Int) {
        element()
        text.append(String(value))
    }
    public mutating func boolean(_ value: Bool) {
        element()
        text.append(value ? "true" : "false")
    }
    public mutating func null() {
        element()
        text.append("null")
    }

    /// Writes `raw`, which must be one valid JSON value.
    public mutating func raw(_ raw: String) {
        element()
        text.append(raw)
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
        if hasElements { text.append(",") }
        open[open.count - 1] = true
        newline()
    }

    private mutating func close(_ bracket: Character) {
        let hadElements = open.removeLast()
        if hadElements { newline() }
        text.append(bracket)
    }

    private mutating func newline() {
        guard pretty else { return }
        while newlines.count <= open.count { newlines.append(newlines[newlines.count - 1] + "  ") }
        text.append(newlines[open.count])
    }

    /// Hands the text written so far to `sink` once it is past `threshold` bytes, and starts
    /// again: a large document goes out in pieces instead of being held whole.
    public mutating func flush(past threshold: Int = 1 << 20, to sink: (String) throws -> Void) rethrows {
        guard text.utf8.count >= threshold else { return }
        try sink(text)
        text.removeAll(keepingCapacity: true)
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
            switch byte {
            case UInt8(ascii: "\""): text.append("\\\"")
            case UInt8(ascii: "\\"): text.append("\\\\")
            case UInt8(ascii: "\n"): text.append("\\n")
            case UInt8(ascii: "\r"): text.append("\\r")
            case UInt8(ascii: "\t"): text.append("\\t")
            default:
                let hex = String(byte, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            }
            index = utf8.index(after: index)
            run = index
        }
        text.append(contentsOf: string[run..<utf8.endIndex])
        text.append("\"")
    }
}
