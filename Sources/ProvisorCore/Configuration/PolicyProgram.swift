/// One entry under `policy:` in provisor.yaml: a program that reads the JSON plan
/// (`schemas/plan.schema.json`) on standard input and answers `{"allow": true|false,
/// "reasons": ["…"]}` on standard output. A denial refuses the plan like the delete guard;
/// `--allow-policy NAME` overrides it, and the audit log records that it did.
public struct PolicyProgram: Sendable, Hashable {
    public var name: String
    /// The program and its arguments; a program with a `/` is found from provisor.yaml's folder,
    /// any other on PATH. It runs in provisor.yaml's folder.
    public var command: [String]
    /// Seconds it may take before it is stopped and counted as failed.
    public var timeout: Int
    public var location: SourceLocation

    public static let defaultTimeout = 30

    public init(name: String, command: [String], timeout: Int = PolicyProgram.defaultTimeout, location: SourceLocation) {
        self.name = name
        self.command = command
        self.timeout = timeout
        self.location = location
    }
}
