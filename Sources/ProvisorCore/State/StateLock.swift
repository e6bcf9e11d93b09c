import Foundation

/// A held state lock.
public struct StateLock: Sendable, Hashable {
    /// Unique to this acquisition; releasing needs it.
    public var id: String
    public var holder: String
    public var processID: Int32
    public var operation: String
    public var acquiredAt: Date

    public init(id: String, holder: String, processID: Int32, operation: String, acquiredAt: Date) {
        self.id = id
        self.holder = holder
        self.processID = processID
        self.operation = operation
        self.acquiredAt = acquiredAt
    }

    /// The lock `request` acquires, at the time it asked.
    public init(_ request: LockRequest) {
        self.init(id: UUID().uuidString, holder: request.holder, processID: request.processID, operation: request.operation, acquiredAt: request.at)
    }
}
