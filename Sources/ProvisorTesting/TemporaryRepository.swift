import Foundation

/// A git repository in a temporary folder, built with the git command line as a user would:
/// for tests that read manifests from git. Removed when released.
public final class TemporaryRepository {
    public let url: URL
    public var path: String { url.path }

    /// `git init` on a new folder with `main` as the first branch; `bare` makes it bare.
    public init(bare: Bool = false) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []))
    }

    /// Wraps an existing folder (a clone made by `git`); it is removed when released too.
    public init(existing url: URL) {
        self.url = url
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs git in the repository and returns its standard output, trimmed; throws with git's
    /// standard error when it fails.
    @discardableResult
    public func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try Self.git(arguments, in: url, environment: environment)
    }

    @discardableResult
    public static func git(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "git", "-c", "user.name=Ana Lima", "-c", "user.email=ana@acme.example", "-c", "commit.gpgsign=false",
                "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main",
            ] + arguments
        process.currentDirectoryURL = directory
        var settings = ProcessInfo.processInfo.environment
        settings["GIT_CONFIG_NOSYSTEM"] = "1"
        settings["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = settings.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitRunError(arguments: arguments, status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes a file, creating its folders.
    public func write(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    public func read(_ relative: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Changes a file's text.
    public func edit(_ relative: String, _ change: (String) -> String) throws {
        try write(relative, change(try read(relative)))
    }

    /// Copies a file or folder into the repository.
    public func copy(_ source: URL, to relative: String) throws {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: target)
    }

    /// Stages everything and commits it; returns the new commit's SHA.
    @discardableResult
    public func commit(_ message: String, author: String = "Ana Lima <ana@acme.example>") throws -> String {
        try git(["add", "-A"])
        try git(["commit", "-q", "--allow-empty", "--author", author, "-m", message])
        return try git(["rev-parse", "HEAD"])
    }
}

public struct GitRunError: Error, CustomStringConvertible {
    public var arguments: [String]
    public var status: Int32
    public var stderr: String

    public var description: String { "git \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
}
