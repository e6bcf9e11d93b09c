import Foundation

/// A resource's attributes in their canonical recorded form: one JSON object, names sorted,
/// no whitespace. Equal attribute values always give the same text (`16.00` and `16` are both
/// written `16.0`), so two documents compare by value when they compare as text, and a
/// no-op plan needs no decoding.
///
/// Values: a string, integer or boolean as itself; a number always with a fraction (`16.0`,
/// `0.25`) so it stays a number when read back; a list as an array of strings; a secret as
/// `{"secretRef":"env:NAME"}` (the reference, never the secret).
public struct AttributeDocument: Sendable, Hashable, CustomStringConvertible {
    /// The canonical JSON text.
    public let json: String

    /// The attributes, which must be sorted by name (as every resolved resource's are).
    public init(_ attributes: [Attribute]) {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(attributes.count * 48)
        for (position, attribute) in attributes.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(attribute.name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            Self.append(attribute.value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        json = String(decoding: bytes, as: UTF8.self)
    }

    /// A document read back from a store; `decode()` checks it.
    public init(json: String) {
        self.json = json
    }

    public var description: String { json }

    /// The document with no attributes.
    public static let empty = AttributeDocument(json: "{}")

    public var isEmpty: Bool { json == "{}" }

    /// The attributes, in name order.
    public func decode() throws(AttributeDocumentError) -> [Attribute] {
        var reader = Reader(bytes: Array(json.utf8))
        return try reader.document()
    }

    static func append(_ value: AttributeValue, to bytes: inout [UInt8]) {
        switch value {
        case .string(let string): JSONWriter.appendString(string, to: &bytes)
        case .integer(let number): bytes.append(contentsOf: String(number).utf8)
        case .number(let number):
            let plain = "\(number)"
            bytes.append(contentsOf: plain.utf8)
            if !plain.utf8.contains(UInt8(ascii: ".")) { bytes.append(contentsOf: ".0".utf8) }
        case .boolean(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .list(let items):
            bytes.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .secret(let reference):
            bytes.append(contentsOf: #"{"secretRef":"#.utf8)
            JSONWriter.appendString(reference, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Reads the canonical form back. It accepts only what `init(_:)` writes (plus insignificant
    /// whitespace), so a damaged record is reported rather than guessed at.
    struct Reader {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(AttributeDocumentError) -> [Attribute] {
            var attributes: [Attribute] = []
            try expect(UInt8(ascii: "{"))
            if try peek() == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    let name = try string()
                    try expect(UInt8(ascii: ":"))
                    attributes.append(Attribute(name: name, value: try value()))
                    let next = try byte()
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw failure("expected ',' or '}'", at: position - 1) }
                }
            }
            skipSpace()
            guard position == bytes.count else { throw failure("unexpected text after the object", at: position) }
            return attributes
        }

        mutating func value() throws(AttributeDocumentError) -> AttributeValue {
            switch try peek() {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                let word = take { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
                switch word {
                case "true": return .boolean(true)
                case "false": return .boolean(false)
                default: throw failure("unknown word '\(word)'", at: position - word.utf8.count)
                }
            case UInt8(ascii: "["):
                position += 1
                var items: [String] = []
                if try peek() == UInt8(ascii: "]") {
                    position += 1
                    return .list(items)
                }
                while true {
                    items.append(try string())
                    let next = try byte()
                    if next == UInt8(ascii: "]") { return .list(items) }
                    guard next == UInt8(ascii: ",") else { throw failure("expected ',' or ']' in a list", at: position - 1) }
                }
            case UInt8(ascii: "{"):
                position += 1
                guard try string() == "secretRef" else { throw failure("an object value must be {\"secretRef\": ...}", at: position) }
                try expect(UInt8(ascii: ":"))
                let reference = try string()
                try expect(UInt8(ascii: "}"))
                return .secret(reference: reference)
            default:
                let start = position
                let text = take {
                    ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
                        || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "+")
                }
                if text.contains(".") || text.contains("e") || text.contains("E") {
                    if let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) { return .number(number) }
                } else if let number = Int(text) {
                    return .integer(number)
                }
                throw failure(text.isEmpty ? "expected a value" : "'\(text)' is not a number", at: start)
            }
        }

        /// A string: the bytes between the quotes as they are when nothing is escaped (nearly
        /// always), else decoded into a byte buffer.
        mutating func string() throws(AttributeDocumentError) -> String {
            try expect(UInt8(ascii: "\""))
            let start = position
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: bytes[start..<position - 1], as: UTF8.self)
                case UInt8(ascii: "\\"):
                    return try escapedString(from: start)
                default:
                    position += 1
                }
            }
            throw failure("unterminated string", at: bytes.count)
        }

        /// The rest of a string that holds an escape, from its first byte at `start`.
        private mutating func escapedString(from start: Int) throws(AttributeDocumentError) -> String {
            var text = Array(bytes[start..<position])
            while position < bytes.count {
                let current = bytes[position]
                position += 1
                if current == UInt8(ascii: "\"") { return String(decoding: text, as: UTF8.self) }
                guard current == UInt8(ascii: "\\") else {
                    text.append(current)
                    continue
                }
                guard position < bytes.count else { break }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else { throw failure("bad \\u escape", at: position - 2) }
                    text.append(contentsOf: String(scalar).utf8)
                    position += 4
                default: throw failure("unknown escape", at: position - 2)
                }
            }
            throw failure("unterminated string", at: bytes.count)
        }

        mutating func expect(_ expected: UInt8) throws(AttributeDocumentError) {
            let found = try byte()
            guard found == expected else { throw failure("expected '\(Character(Unicode.Scalar(expected)))'", at: position - 1) }
        }

        /// The next non-space byte, consumed.
        mutating func byte() throws(AttributeDocumentError) -> UInt8 {
            let next = try peek()
            position += 1
            return next
        }

        /// The next non-space byte, not consumed.
        mutating func peek() throws(AttributeDocumentError) -> UInt8 {
            skipSpace()
            guard position < bytes.count else { throw failure("unexpected end", at: position) }
            return bytes[position]
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        mutating func take(while accept: (UInt8) -> Bool) -> String {
            skipSpace()
            let start = position
            while position < bytes.count, accept(bytes[position]) { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        func failure(_ reason: String, at offset: Int) -> AttributeDocumentError {
            AttributeDocumentError(reason: reason, offset: offset)
        }
    }
}

/// A recorded attribute document that is not in the canonical form.
public struct AttributeDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    /// The byte offset in the JSON text.
    public var offset: Int

    public var description: String { "\(reason) at byte \(offset)" }
}
