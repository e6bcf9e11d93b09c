import Foundation
import ProvisorCore
import ProvisorEngineKit

/// One line of an engine's answer to a read request (observe, subscriptions).
enum ReadLine<Item: Sendable>: Sendable {
    case item(Item)
    /// The last line: its status, the count it gives, and its error.
    case status(String?, count: Int?, error: String?)
    /// An item that cannot be read, and why.
    case unreadable(String)
    /// Not an answer to this request.
    case other

    init(_ line: String, id: String, item: String, engine: String, _ parse: (JSONValue, String) throws(ObservedJSON.ParseError) -> Item) {
        guard case .object(let object)? = JSONValue(parsing: line.utf8, numbersAsWritten: true), object["id"]?.string == id else {
            self = .other
            return
        }
        if let value = object[item] {
            do { self = .item(try parse(value, engine)) } catch { self = .unreadable(error.reason) }
        } else {
            let count: Int?
            switch object["count"] {
            case .integer(let number)?: count = number
            case .number(let number)? where number.isFinite && abs(number) < 1e18: count = Int(number)
            default: count = nil
            }
            self = .status(object["status"]?.string, count: count, error: object["error"]?.string)
        }
    }
}
