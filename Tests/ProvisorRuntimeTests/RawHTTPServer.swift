import Foundation

/// A server on 127.0.0.1 that answers every connection with the bytes given, `delay` apart
/// (one byte a second, as a hostile or broken receiver would), then closes it. Stopped when
/// released.
final class RawHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let stopped = NSLock()
    private var isStopped = false

    init(answer: [UInt8], headerBytes: Int, delay: TimeInterval) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Thread.detachNewThread { [self] in
                    Self.readRequest(connection)
                    // The headers at once, then the rest byte by byte.
                    _ = answer.prefix(headerBytes).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    for byte in answer.dropFirst(headerBytes) {
                        if stopped.withLock({ isStopped }) { break }
                        Thread.sleep(forTimeInterval: delay)
                        var byte = byte
                        if send(connection, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 { break }
                    }
                    // Closed only once the client has seen the end: no reset.
                    shutdown(connection, Int32(SHUT_WR))
                    var rest = [UInt8](repeating: 0, count: 4096)
                    while read(connection, &rest, rest.count) > 0 {}
                    close(connection)
                }
            }
        }
    }

    /// Reads a whole request (headers, then the body its Content-Length gives) before answering:
    /// a connection closed with a request unread is reset.
    static func readRequest(_ connection: Int32) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap {
                        Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                    } ?? 0
                if received.count - end.upperBound >= length { return }
            }
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return }
            received += chunk[0..<count]
        }
    }

    /// An HTTP answer: the status line and headers at once, then `body`.
    convenience init(status: Int, body: String, delay: TimeInterval = 0) throws {
        let head = "HTTP/1.1 \(status) X\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        try self.init(answer: Array((head + body).utf8), headerBytes: head.utf8.count, delay: delay)
    }

    deinit {
        stopped.withLock { isStopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
