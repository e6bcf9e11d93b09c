/// A recorded resource whose attributes cannot be decoded. The core throws it without knowing
/// which store the record came from; ``StateError/reading(_:_:)`` names the store.
public struct CorruptRecordError: Error, Sendable, Hashable {
    public var address: String
    public var reason: String

    public init(address: String, reason: String) {
        self.address = address
        self.reason = reason
    }
}

extension StateError {
    /// Runs core work on records read from `store` (planning, comparing, refreshing): a record
    /// that cannot be decoded becomes `corruptRecord`, naming the store.
    public static func reading<T>(_ store: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CorruptRecordError {
            throw StateError.corruptRecord(address: error.address, reason: error.reason, store: store)
        }
    }
}
