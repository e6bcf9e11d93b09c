import Foundation

/// The id of the lock a store holds, shared by its concurrent calls.
final class HeldLock: @unchecked Sendable {
    private let guardLock = NSLock()
    private var value: String?

    var id: String? {
        get { guardLock.withLock { value } }
        set { guardLock.withLock { value = newValue } }
    }
}
