import Foundation

/// Answered messages kept in a file, one JSON line `{"id", "outputs"}` each, appended as they
/// are carried out and read back on start: a replayed id is recognised after a restart too.
public final class AnswerFile: AnsweredMessages {
    private let path: String
    private var outputs: [String: [String: JSONValue]] = [:]

    /// Reads what `path` remembers (nothing when it does not exist yet).
    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { return }
        for (number, line) in data.split(separator: 0x0A).enumerated() {
            guard let entry = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line)), let id = entry["id"]?.string else {
                throw EngineKitError(description: "\(path):\(number + 1): not an answered message; repair or remove the line")
            }
            outputs[id] = entry["outputs"]?.object ?? [:]
        }
    }

    public func answered(_ message: EngineMessage) -> [String: JSONValue]? { outputs[message.id] }

    public func remember(_ id: String, outputs: [String: JSONValue]) throws {
        let line = JSONLine.encode(["id": JSONValue.string(id), "outputs": .object(outputs)]) + "\n"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw EngineKitError(description: "cannot write '\(path)'") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.synchronize()
        self.outputs[id] = outputs
    }
}
