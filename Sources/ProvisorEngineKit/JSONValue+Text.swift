import Foundation

/// JSON text read into a ``JSONValue`` and written from one without Codable: an engine reading
/// back its whole tenant model handles hundreds of thousands of values, and JSONDecoder tries a
/// value's types one thrown error at a time. Both agree with JSONDecoder and JSONLine: a whole
/// number (`10`, `10.0`, `1e2`) is an integer, keys are written sorted, slashes as they are.
extension JSONValue {
    /// Reads one JSON text; nil when it is not JSON (or has anything after the value). With
    /// `numbersAsWritten`, a number written with a fraction or an exponent stays a number
    /// (`10.0`), as JSONSerialization reads it: Provisor reads engines' answers so.
    public init?(parsing text: some Collection<UInt8>, numbersAsWritten: Bool = false) {
        let parsed: JSONValue?? = text.withContiguousStorageIfAvailable { bytes in
            var reader = JSONTextReader(bytes: UnsafeRawBufferPointer(bytes), numbersAsWritten: numbersAsWritten)
            guard let value = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.position == bytes.count ? value : nil
        }
        guard let parsed else {
            self.init(parsing: Array(text), numbersAsWritten: numbersAsWritten)
            return
        }
        guard let value = parsed else { return nil }
        self = value
    }

    /// The value as one line of JSON, as `JSONLine.encode` writes it.
    public var jsonText: String {
        var text = ""
        write(to: &text)
        return text
    }

    func write(to text: inout String) {
        switch self {
        case .string(let value): Self.write(value, to: &text)
        case .integer(let value): text += String(value)
        case .number(let value): Self.write(value, to: &text)
        case .bool(let value): text += value ? "true" : "false"
        case .null: text += "null"
        case .array(let items):
            text += "["
            for (position, item) in items.enumerated() {
                if position > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .object(let members):
            Self.write(members, to: &text)
        }
    }

    static func write(_ members: [String: JSONValue], to text: inout String) {
        text += "{"
        for (position, key) in members.keys.sorted().enumerated() {
            if position > 0 { text += "," }
            write(key, to: &text)
            text += ":"
            members[key]!.write(to: &text)
        }
        text += "}"
    }

    /// As JSONEncoder writes a Double: a whole one within 2^53 without a fraction.
    private static func write(_ value: Double, to text: inout String) {
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992, let whole = Int(exactly: value) {
            text += String(whole)
        } else if value.isFinite {
            text += "\(value)"
        } else {
            text += "null"
        }
    }

    static func write(_ value: String, to text: inout String) {
        text += "\""
        var run = value.utf8.startIndex
        for index in value.utf8.indices {
            let byte = value.utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            text += value[run..<index]
            switch byte {
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x08: text += "\\b"
            case 0x0C: text += "\\f"
            default:
                let hex = String(byte, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            run = value.utf8.index(after: index)
        }
        text += value[run...]
        text += "\""
    }
}

/// A strict reader of JSON text (RFC 8259) into ``JSONValue``.
private struct JSONTextReader {
    let bytes: UnsafeRawBufferPointer
    let numbersAsWritten: Bool
    var position = 0

    init(bytes: UnsafeRawBufferPointer, numbersAsWritten: Bool) {
        self.bytes = bytes
        self.numbersAsWritten = numbersAsWritten
    }

    /// Nesting deeper than this is refused rather than risking the stack.
    static let deepest = 512

    mutating func value(depth: Int) -> JSONValue? {
        skipSpace()
        guard position < bytes.count, depth < Self.deepest else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "{"):
            position += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string() else { return nil }
                guard take(UInt8(ascii: ":")), let member = value(depth: depth + 1) else { return nil }
                members[key] = member
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? .object(members) : nil
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? .array(items) : nil
            }
        case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return word("null") ? .null : nil
        default: return number()
        }
    }

    /// The next non-space byte, consumed when it is `expected`.
    mutating func take(_ expected: UInt8) -> Bool {
        skipSpace()
        guard position < bytes.count, bytes[position] == expected else { return false }
        position += 1
        return true
    }

    mutating func word(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// A number: an integer when its value is whole and fits, as JSONDecoder decodes `Int`
    /// (with `numbersAsWritten`, only when written without a fraction or exponent).
    mutating func number() -> JSONValue? {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digits = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") { position += 1 }
        guard position > digits, bytes[digits] != UInt8(ascii: "0") || position == digits + 1 else { return nil }
        var whole = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            whole = false
            position += 1
            let fraction = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") { position += 1 }
            guard position > fraction else { return nil }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            whole = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let exponent = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") { position += 1 }
            guard position > exponent else { return nil }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if whole, let integer = Int(text) { return .integer(integer) }
        guard let number = Double(text), number.isFinite else { return nil }
        if !numbersAsWritten, let integer = Int(exactly: number) { return .integer(integer) }
        return .number(number)
    }

    /// A string from its opening quote: its bytes as they are when nothing is escaped.
    mutating func string() -> String? {
        position += 1
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position - 1]), as: UTF8.self)
            case UInt8(ascii: "\\"): return escaped(from: start)
            case 0..<0x20: return nil
            default: position += 1
            }
        }
        return nil
    }

    private mutating func escaped(from start: Int) -> String? {
        var text = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let current = bytes[position]
            position += 1
            switch current {
            case UInt8(ascii: "\""): return String(decoding: text, as: UTF8.self)
            case 0..<0x20: return nil
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "u"):
                    guard var code = hex() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        // A surrogate pair: the low half must follow as \uDC00–\uDFFF.
                        guard take(exactly: UInt8(ascii: "\\")), take(exactly: UInt8(ascii: "u")), let low = hex(), (0xDC00..<0xE000).contains(low) else {
                            return nil
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    text.append(contentsOf: String(scalar).utf8)
                default: return nil
                }
            default: text.append(current)
            }
        }
        return nil
    }

    private mutating func take(exactly byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func hex() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = (Character(Unicode.Scalar(bytes[position])).hexDigitValue) else { return nil }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }
}
