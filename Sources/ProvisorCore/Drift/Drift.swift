import Foundation

/// One difference between what Provisor recorded and what an engine holds.
public struct Drift: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Recorded and observed, with attributes changed out of band.
        case changed
        /// Recorded, but the engine (which could be read) does not have it.
        case missing
        /// Observed, but not recorded (and, without a `reason`, not desired either): reported,
        /// never deleted.
        case unmanaged
        /// The engine could not be read; its recorded resources are neither present nor absent.
        case unknown
    }

    public var kind: Kind
    public var engine: String
    /// nil for `unknown`, which is about a whole engine.
    public var address: ResourceAddress?
    /// For `changed`: each attribute as recorded and as observed.
    public var changes: [Change.AttributeChange]
    /// For `unknown`: why the engine could not be read, and how many recorded resources that
    /// hides. For `unmanaged`: set when the manifests want the resource (`DriftDetector.unrecorded`).
    public var reason: String?
    public var affected: Int

    public init(kind: Kind, engine: String, address: ResourceAddress?, changes: [Change.AttributeChange] = [], reason: String? = nil, affected: Int = 0) {
        self.kind = kind
        self.engine = engine
        self.address = address
        self.changes = changes
        self.reason = reason
        self.affected = affected
    }
}
