import Foundation

/// Reads what a child writes to one pipe, on a thread of its own, keeping at most `limit` bytes:
/// the first ones (an answer) or the last ones (the end of its stderr). What is past the limit
/// is read and dropped, so the child never blocks on a full pipe and Provisor's memory stays
/// bounded whatever it writes.
public final class OutputCollector: @unchecked Sendable {
    public enum Keep: Sendable { case first, last }

    private let condition = NSCondition()
    private var kept = Data()
    private var total = 0
    private var done = false

    /// Takes ownership of `descriptor` and closes it at its end.
    public init(_ descriptor: Int32, limit: Int, keep: Keep) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                condition.withLock {
                    total += count
                    switch keep {
                    case .first:
                        if kept.count < limit { kept.append(contentsOf: buffer[0..<min(count, limit - kept.count)]) }
                    case .last:
                        kept.append(contentsOf: buffer[0..<count])
                        if kept.count > limit { kept.removeFirst(kept.count - limit) }
                    }
                }
            }
            close(descriptor)
            condition.withLock {
                done = true
                condition.broadcast()
            }
        }
    }

    /// The bytes kept so far.
    public var data: Data { condition.withLock { kept } }

    /// How many bytes were written in all, kept or not.
    public var byteCount: Int { condition.withLock { total } }

    /// Waits until the pipe is closed (every writer has closed it or ended), `seconds` at most;
    /// false when it is still open then.
    public func waitForEnd(seconds: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return condition.withLock {
            while !done && condition.wait(until: deadline) {}
            return done
        }
    }
}
