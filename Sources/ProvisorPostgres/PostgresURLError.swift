import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL URL Provisor cannot use; the message never repeats the URL, which may hold a password.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "the PostgreSQL URL \(reason)" }
}
