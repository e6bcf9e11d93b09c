import Foundation

/// A manifest file `provisor import` writes: its path as the manifests source lists it.
public struct ManifestFile: Sendable, Hashable {
    public var path: String
    public var text: String
}
