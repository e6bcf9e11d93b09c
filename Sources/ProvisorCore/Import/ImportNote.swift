import Foundation

/// Something `provisor import` wants the reviewer to know about one resource or customer.
public struct ImportNote: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A value written that the engine did not report.
        case guessed
        /// An engine user matched to a User manifest by the part of its UPN before the @.
        case matched
        /// A service whose plan could not be found: not imported.
        case unmapped
        /// Not imported: importing it would overwrite or contradict the manifests.
        case conflict
        /// Held by the engine and not described, but not written because its owner's manifest exists.
        case undescribed
        /// Adopted, but the engine's value differs from the manifests'.
        case differs
    }

    public var kind: Kind
    public var address: ResourceAddress?
    public var message: String

    public init(_ kind: Kind, _ address: ResourceAddress?, _ message: String) {
        self.kind = kind
        self.address = address
        self.message = message
    }
}
