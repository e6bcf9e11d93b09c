import Foundation

/// The generated manifests do not validate: nothing is written.
public struct ImportDraftError: Error, Sendable {
    public var diagnostics: [Diagnostic]
}
