import Foundation
import ProvisorRuntime

/// Standard output or standard error, and whether it wants colour: only on a terminal, and
/// never when NO_COLOR is set.
public struct Terminal: Sendable {
    public let descriptor: Int32

    public static let standardOutput = Terminal(descriptor: STDOUT_FILENO)
    public static let standardError = Terminal(descriptor: STDERR_FILENO)

    public var isColour: Bool {
        isatty(descriptor) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    public func write(_ text: String) {
        write(Data(text.utf8))
    }

    public func write(_ data: Data) {
        FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).write(data)
    }
}
