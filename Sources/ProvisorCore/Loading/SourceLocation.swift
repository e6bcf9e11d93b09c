import Synchronization

/// A position in a manifest file: 1-based line and column, as editors and compilers print them.
///
/// A line of 0 means "the whole file" (for example, a file that could not be read). The file is
/// kept as an interned number, so a location is 12 bytes of plain data: copying the many located
/// values of a large estate costs no reference counting.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    let fileID: Int32
    let line32: Int32
    let column32: Int32

    public var line: Int { Int(line32) }
    public var column: Int { Int(column32) }

    public init(file: String, line: Int, column: Int) {
        self.init(fileID: FilePaths.shared.id(for: file), line: line, column: column)
    }

    init(fileID: Int32, line: Int, column: Int) {
        self.fileID = fileID
        line32 = Int32(clamping: line)
        column32 = Int32(clamping: column)
    }

    public var file: String { FilePaths.shared.path(for: fileID) }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        if lhs.fileID != rhs.fileID { return lhs.file < rhs.file }
        return (lhs.line32, lhs.column32) < (rhs.line32, rhs.column32)
    }

    /// `file:line:col`, or just `file` for a whole-file location.
    public var description: String {
        line == 0 ? file : "\(file):\(line):\(column)"
    }

    /// `file:line`, the short form used in provenance and "first defined at" notes.
    public var fileAndLine: String {
        line == 0 ? file : "\(file):\(line)"
    }
}

/// The process-wide table of manifest file paths behind `SourceLocation`'s file numbers.
final class FilePaths: Sendable {
    static let shared = FilePaths()

    private struct Table {
        var ids: [String: Int32] = [:]
        var paths: [String] = []
    }

    private let table = Mutex(Table())

    func id(for path: String) -> Int32 {
        table.withLock { table in
            if let id = table.ids[path] { return id }
            let id = Int32(table.paths.count)
            table.paths.append(path)
            table.ids[path] = id
            return id
        }
    }

    func path(for id: Int32) -> String {
        table.withLock { $0.paths[Int(id)] }
    }
}

/// A decoded value together with the place in a manifest that supplied it.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
