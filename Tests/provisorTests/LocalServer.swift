import Foundation

/// A Python test server on 127.0.0.1 (it prints "PORT <n>" once listening), killed when `body`
/// returns. Its standard error goes to `errors` when given.
func withLocalServer<T>(
    _ script: String, environment: [String: String], errors: URL? = nil, _ body: (_ port: Int) async throws -> T
) async throws -> T {
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", packageRoot.appendingPathComponent(script).path]
    server.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    server.standardOutput = out
    if let errors {
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        server.standardError = try FileHandle(forWritingTo: errors)
    } else {
        server.standardError = FileHandle.nullDevice
    }
    try server.run()
    defer {
        // SIGKILL: the test process may block SIGTERM, and a child inherits the mask.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }
    var line = Data()
    while !line.contains(0x0A) {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        line.append(chunk)
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let port = text.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
        let said = errors.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        throw LocalServerError(description: "\(script) did not start: \(text)\(said)")
    }
    return try await body(port)
}

struct LocalServerError: Error, CustomStringConvertible {
    var description: String
}
