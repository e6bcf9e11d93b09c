import Foundation

/// Where a value came from: a level and the manifest position that set it.
public struct Origin: Sendable, Hashable {
    public var level: Level
    /// nil only for Provisor's own defaults.
    public var location: SourceLocation?

    public init(_ level: Level, _ location: SourceLocation?) {
        self.level = level
        self.location = location
    }
}
