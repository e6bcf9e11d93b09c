import AsyncHTTPClient

/// Why an HTTP request to a metrics or notification destination failed, as the end of a
/// sentence ("… at URL: the connection was refused (is it running?)").
enum HTTPFailure {
    static func sentence(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "it did not answer in time" }
            if error == .invalidURL || error == .emptyHost || error == .emptyScheme || "\(error)".contains("unsupportedScheme") {
                return "the address is not a valid http(s) URL"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "the connection was refused (is it running?)" }
        return text
    }
}
