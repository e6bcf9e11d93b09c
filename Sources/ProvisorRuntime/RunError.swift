import ProvisorCore

/// Why a run stopped before doing what it was asked: a sentence saying what, where and how to
/// fix it, and the manifest diagnostics behind it when there are any. The CLI prints it on
/// standard error and exits 1.
public struct RunError: Error, CustomStringConvertible {
    public var description: String
    public var diagnostics: [Diagnostic]
    /// A refused plan's refusals (the run's metrics count them).
    public var refusals: [String]

    public init(description: String, diagnostics: [Diagnostic] = [], refusals: [String] = []) {
        self.description = description
        self.diagnostics = diagnostics
        self.refusals = refusals
    }
}
