import Foundation

/// How Provisor writes every file it produces (report pages, the metrics file, a saved plan, the
/// plan handed to a policy): into a new file beside the target, created exclusively with the
/// mode given and never through a link, then renamed over the target. A symbolic link planted
/// where a file goes is replaced, never followed, and a reader never sees half a file.
public enum FileReplacement {
    /// Why a file could not be written: `reason` ends the sentence "cannot write PATH: …".
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "error: cannot write '\(path)': \(reason)" }
    }

    /// Writes `data` to `path` (see above).
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        try write(to: path, mode: mode) { descriptor in try writeAll(data, to: descriptor, path: path) }
    }

    /// Writes to `path` what `body` writes to the descriptor it is given (see above).
    public static func write(to path: String, mode: mode_t = 0o644, _ body: (Int32) throws -> Void) throws {
        let temporary = "\(path).\(UUID().uuidString.prefix(8)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(path, errno) }
        do {
            // The mode asked for, whatever the umask.
            fchmod(descriptor, mode)
            try body(descriptor)
            guard close(descriptor) == 0 else { throw failure(path, errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure(path, code)
        }
    }

    /// Writes to `path` the text `body` hands, piece by piece, to the function it is given (see
    /// above): a large plan is written as it is rendered, never held whole.
    public static func write(to path: String, mode: mode_t = 0o644, pieces body: (_ write: (String) throws -> Void) throws -> Void) throws {
        try write(to: path, mode: mode) { descriptor in
            var buffer = Data()
            try body { piece in
                buffer.append(contentsOf: piece.utf8)
                if buffer.count >= 1 << 20 {
                    try writeAll(buffer, to: descriptor, path: path)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try writeAll(buffer, to: descriptor, path: path)
        }
    }

    /// Writes all of `data`, however the kernel splits it.
    static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, errno)
                }
                offset += written
            }
        }
    }

    /// A new directory only this user can read, under the temporary directory; the caller
    /// removes it.
    public static func privateDirectory(_ prefix: String) throws -> String {
        let base = (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw failure(base, errno) }
        return String(cString: made)
    }

    static func failure(_ path: String, _ code: Int32) -> Failure {
        let reason: String
        switch code {
        case ENOENT: reason = "the folder '\(folder(path))' does not exist"
        case EACCES, EPERM: reason = "the folder '\(folder(path))' is not writable by this user"
        case EISDIR: reason = "it is a folder"
        case ENOSPC: reason = "the disk is full"
        default: reason = String(cString: strerror(code)).lowercased()
        }
        return Failure(path: path, reason: reason)
    }

    static func folder(_ path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }
}
