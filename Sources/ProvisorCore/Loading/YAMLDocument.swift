/// One YAML document of a file, with the file it came from.
public struct YAMLDocument: Sendable {
    public var file: String
    public var root: YAMLNode
    /// 0-based position of the document in its file.
    public var index: Int
}
