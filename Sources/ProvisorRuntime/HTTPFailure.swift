import AsyncHTTPClient
import NIOCore

/// Why an HTTP request to a metrics or notification destination failed, as the end of a
/// sentence ("… at URL: the connection was refused (is it running?)").
enum HTTPFailure {
    /// `limit` is what the whole exchange was allowed: whichever timeout ends it (the client's or
    /// `Deadline`'s), the sentence is the same.
    static func sentence(_ error: Error, limit: TimeAmount) -> String {
        if error is Deadline.Exceeded { return "it did not finish answering within \(limit.nanoseconds / 1_000_000_000) s" }
        if let error = error as? HTTPClientError {
            if error == .connectTimeout { return "it could not be reached in time" }
            if error == .deadlineExceeded || error == .readTimeout { return "it did not finish answering within \(limit.nanoseconds / 1_000_000_000) s" }
            if error == .invalidURL || error == .emptyHost || error == .emptyScheme || "\(error)".contains("unsupportedScheme") {
                return "the address is not a valid http(s) URL"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "the connection was refused (is it running?)" }
        return text
    }
}
