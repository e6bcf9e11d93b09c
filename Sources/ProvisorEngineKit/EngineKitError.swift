/// A problem of the engine itself (its answer file, its input), as a sentence.
public struct EngineKitError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
