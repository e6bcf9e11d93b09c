import Foundation

/// Errors of finding and reading manifests, before any YAML is parsed.
public enum SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case noManifests(String)
    case unreadable(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "error: manifests directory '\(path)' does not exist (pass --manifests DIR, or set 'manifests:' in provisor.yaml)"
        case .noManifests(let path):
            return "error: no manifest files (.yaml or .yml) found under '\(path)' (check --manifests, or add manifests there)"
        case .unreadable(let path, let reason):
            return "error: cannot read '\(path)': \(reason)"
        }
    }
}
