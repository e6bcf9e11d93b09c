import Crypto
import Foundation

/// A store that can be read and written whole, which `provisor state migrate` copies between.
public protocol StateArchiving: StateStore {
    /// Everything this store holds, read in one transaction.
    func archive() async throws -> StateArchive

    /// Writes `archive` into this store in one transaction, keeping its lineage, serial,
    /// sequences and positions, then reads the whole state back in the same transaction and
    /// hands it to `verify`: when `verify` throws, nothing is written. Refused with
    /// `StateError.notEmpty` (changing nothing) unless the store holds nothing yet: no commit,
    /// journal, audit, outbox or observation.
    func restore(_ archive: StateArchive, verify: @escaping @Sendable (StateArchive) throws -> Void) async throws
}
