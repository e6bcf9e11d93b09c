import Foundation

/// `drift.ignore` in provisor.yaml: an attribute engines legitimately change, for one kind of
/// resource or (kind nil) for every kind.
public struct DriftIgnoreRule: Sendable, Hashable {
    public var kind: ResourceAddress.Kind?
    public var attribute: String

    public init(kind: ResourceAddress.Kind?, attribute: String) {
        self.kind = kind
        self.attribute = attribute
    }

    func ignores(_ attribute: String, of kind: ResourceAddress.Kind) -> Bool {
        (self.kind == nil || self.kind == kind) && (attribute == self.attribute || attribute.hasPrefix(self.attribute + "."))
    }
}
