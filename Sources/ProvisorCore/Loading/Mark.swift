/// A compact position inside one file; the file itself is known from the document.
public struct Mark: Sendable, Hashable {
    public var line: UInt32
    public var column: UInt32

    public init(line: UInt32, column: UInt32) {
        self.line = line
        self.column = column
    }
}
