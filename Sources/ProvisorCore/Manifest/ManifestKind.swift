/// The kinds of manifest documents.
public enum ManifestKind: String, Sendable, Hashable, CaseIterable {
    case Engine
    case Service
    case Reseller
    case Customer
    case User
}
