import Foundation
import ProvisorCore

/// One line of an engine's answer to a read request (observe, subscriptions).
enum ReadLine<Item: Sendable>: Sendable {
    case item(Item)
    /// The last line: its status, the count it gives, and its error.
    case status(String?, count: Int?, error: String?)
    /// An item that cannot be read, and why.
    case unreadable(String)
    /// Not an answer to this request.
    case other

    init(_ line: String, id: String, item: String, engine: String, _ parse: (Any, String) throws(ObservedJSON.ParseError) -> Item) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], object["id"] as? String == id else {
            self = .other
            return
        }
        if let value = object[item] {
            do { self = .item(try parse(value, engine)) } catch { self = .unreadable(error.reason) }
        } else {
            self = .status(object["status"] as? String, count: (object["count"] as? NSNumber)?.intValue, error: object["error"] as? String)
        }
    }
}
