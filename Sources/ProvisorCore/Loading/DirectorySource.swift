import Foundation

/// Manifests in a directory tree (or a single file). Hidden files and folders are skipped.
public struct DirectorySource: ManifestSource {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var description: String { "directory \(root)" }

    /// What every path it lists starts with: nothing for ".", else the root and a "/".
    public var listingPrefix: String { root == "." ? "" : (root.hasSuffix("/") ? root : root + "/") }

    public static func isManifestPath(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    public func manifestPaths() throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw SourceError.notFound(root) }
        guard isDirectory.boolValue else {
            return [root]
        }
        var paths: [String] = []
        var visited: Set<[UInt64]> = []
        try Self.collect(under: root, prefix: listingPrefix, into: &paths, visited: &visited)
        paths.sort()
        return paths
    }

    /// Walks a directory with readdir, which reports entry types without a stat per file.
    /// Symbolic links are refused rather than followed: a link named like a manifest, or one to a
    /// folder, could reach files outside the tree (and a dangling one would hide a manifest). A
    /// FIFO, socket or device named like a manifest is refused too: reading it could block.
    private static func collect(under directory: String, prefix: String, into paths: inout [String], visited: inout Set<[UInt64]>) throws {
        var info = stat()
        guard stat(directory, &info) == 0, visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { return }
        guard let handle = opendir(directory) else {
            throw SourceError.unreadable(directory, reason: String(cString: strerror(errno)))
        }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") { continue }
            let path = prefix + name
            var type = entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                guard lstat(path, &info) == 0 else { throw SourceError.unreadable(path, reason: String(cString: strerror(errno))) }
                type = fileType(info.st_mode)
            }
            switch type {
            case UInt8(DT_DIR):
                try collect(under: path, prefix: path + "/", into: &paths, visited: &visited)
            case UInt8(DT_REG):
                if isManifestPath(name) { paths.append(path) }
            case UInt8(DT_LNK):
                var target = stat()
                let isFolder = stat(path, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR
                if isManifestPath(name) || isFolder { throw SourceError.unreadable(path, reason: symbolicLink) }
            default:
                if isManifestPath(name) { throw SourceError.unreadable(path, reason: notRegular) }
            }
        }
    }

    static let symbolicLink =
        "it is a symbolic link, which Provisor does not follow (it could reach files outside the manifests, or nothing at all); put the file or folder itself there"
    static let notRegular = "it is not a regular file (a FIFO, socket or device, which could block the run); manifests must be regular files"

    private static func fileType(_ mode: mode_t) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFDIR: return UInt8(DT_DIR)
        case S_IFREG: return UInt8(DT_REG)
        case S_IFLNK: return UInt8(DT_LNK)
        default: return UInt8(DT_UNKNOWN)
        }
    }

    /// Reads one listed file. Inside the tree a symbolic link is refused (as when listing: it
    /// may have been swapped in since), and anything but a regular file is refused unread.
    public func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | (path == root ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else {
            throw SourceError.unreadable(path, reason: errno == ELOOP ? Self.symbolicLink : String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SourceError.unreadable(path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SourceError.unreadable(path, reason: Self.notRegular) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 4096)) }
            let count = bytes.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError.unreadable(path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

/// POSIX read(2), named apart from `DirectorySource.read(_:)`.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
