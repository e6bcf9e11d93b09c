import Foundation

/// What importing did (or would do) for one customer found on the engines.
public struct ImportedCustomer: Sendable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// In no manifest and not recorded: its manifests are written and it is adopted.
        case new
        /// Described by a Customer manifest but not recorded yet: what the manifests describe is
        /// adopted, and users they do not describe are written to a new file.
        case described
        /// Already recorded: nothing is written; described resources not recorded yet are adopted.
        case managed
        /// Nothing imported (the notes say why).
        case skipped
    }

    public var code: String
    public var status: Status
    public var files: [ManifestFile]
    /// Recorded as provisioned, in address order.
    public var adopted: [ResourceAddress]
    public var notes: [ImportNote]
}
