/// One node of a parsed YAML document: a scalar, a sequence or a mapping, with its position.
///
/// Aliases are already expanded (the anchored node is shared, not copied) and merge keys
/// (`<<`) already applied, so decoders never see either.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLEntry])
    }

    public var content: Content
    public var mark: Mark

    public init(_ content: Content, at mark: Mark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// What the node is, in the words an error message uses ("a mapping", "the string \"x\"").
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return scalar.kindDescription
        }
    }
}

/// One `key: value` pair of a mapping.
public struct YAMLEntry: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    /// The key's text when it is a scalar (manifests only use scalar keys).
    public var keyText: String? { key.scalar?.text }
}
