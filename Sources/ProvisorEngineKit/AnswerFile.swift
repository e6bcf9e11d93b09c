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

    /// Appends one line with O_APPEND, in one write: the several processes Provisor may run of
    /// one engine share the file without overwriting each other's lines.
    public func remember(_ id: String, outputs: [String: JSONValue]) throws {
        let line = Array((JSONLine.encode(["id": JSONValue.string(id), "outputs": .object(outputs)]) + "\n").utf8)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw EngineKitError(description: "cannot write '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            throw EngineKitError(description: "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        self.outputs[id] = outputs
    }
}
