#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// What the provider delegates to one reseller (`delegation.CODE` in provisor.yaml): the
/// manifest paths its team may change, where the reseller sits, and what the files under those
/// paths may use. A reseller's own files can widen none of it.
public struct Grant: Sendable, Hashable {
    /// One value of the grant, with where provisor.yaml says it.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public var value: String
        public var location: SourceLocation

        public var description: String { value }
    }

    /// The reseller granted (the key under `delegation`).
    public var reseller: Entry
    /// The reseller it sits under; nil when it is the root. Its files cannot move it.
    public var parent: Entry?
    /// Globs of manifest paths (from provisor.yaml's folder) whose files only it may change.
    public var paths: [Entry]
    /// The engines its files may route anything to (a reseller's `engine`, a remote location, an
    /// override's `engine`).
    public var engines: [Entry]
    /// The secret references its files may use: `env:` names (globs such as `env:KIWI_*`) and
    /// `file:` folders (`file:secrets/kiwi/`, from provisor.yaml's folder, or absolute).
    public var secrets: [Entry]

    /// Where the grant is written, for error messages: `delegation.KIWI in provisor.yaml:12:3`.
    public var source: String { "delegation.\(reseller.value) (\(reseller.location))" }

    /// Whether the grant allows the secret reference `reference`.
    public func allows(_ reference: SecretRef) -> Bool {
        secrets.contains { Self.pattern($0.value, allows: reference) }
    }

    /// Whether the grant allows routing to `engine`.
    public func allows(engine: String) -> Bool {
        engines.contains { $0.value == engine }
    }

    /// `env:GLOB` matches an environment variable's name; `file:FOLDER` a path inside that folder
    /// (or that file). A path with a `..` part is never inside anything.
    static func pattern(_ pattern: String, allows reference: SecretRef) -> Bool {
        switch reference.provider {
        case .env:
            guard pattern.hasPrefix("env:") else { return false }
            return fnmatch(String(pattern.dropFirst(4)), reference.name, 0) == 0
        case .file:
            guard pattern.hasPrefix("file:"), let path = normalised(reference.name), let folder = normalised(String(pattern.dropFirst(5))) else { return false }
            return path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
        }
    }

    /// A path with `.` parts and repeated slashes removed; nil when it has a `..` part.
    static func normalised(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !parts.contains("..") else { return nil }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// What the grant lists, for a hint: "env:KIWI_*, file:secrets/kiwi/", or "nothing".
    public static func listing(_ entries: [Entry]) -> String {
        entries.isEmpty ? "nothing" : entries.map(\.value).joined(separator: ", ")
    }
}
