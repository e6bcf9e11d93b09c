import Foundation

/// The generated manifests do not validate: nothing is written.
public struct ImportDraftInvalid: Error, Sendable {
    public var diagnostics: [Diagnostic]
}
