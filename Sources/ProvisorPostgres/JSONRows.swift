import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// Rows for `jsonb_to_recordset`: a JSON array of objects, built as text. One statement writes a
/// whole batch, instead of one round trip per row.
struct JSONRows {
    var buffer = "["
    private(set) var count = 0

    /// The array's text.
    var text: String { buffer + "]" }

    /// Adds a row; its position is its `n`, which keeps the batch's order where that matters.
    mutating func add(_ row: KeyValuePairs<String, Any?>) {
        if count > 0 { buffer.append(",") }
        buffer.append("{\"n\":\(count)")
        var first = false
        for (key, value) in row {
            guard let value else { continue }
            if !first { buffer.append(",") }
            first = false
            JSONWriter.appendString(key, to: &buffer)
            buffer.append(":")
            switch value {
            case let string as String: JSONWriter.appendString(string, to: &buffer)
            case let number as Double: buffer.append(number.description)
            default: buffer.append("\(value)")
            }
        }
        buffer.append("}")
        count += 1
    }
}
