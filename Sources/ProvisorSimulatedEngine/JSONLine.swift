import Foundation

/// The one JSON form the simulated engine writes: sorted keys, slashes as they are.
enum JSONLine {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}
