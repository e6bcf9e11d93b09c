import Foundation

/// The git commit manifests were read from: recorded in plans, messages and the audit log.
public struct CommitInfo: Sendable, Hashable {
    /// The full SHA, 40 hex digits.
    public var sha: String
    public var authorName: String
    public var authorEmail: String
    public var authoredAt: Date
    /// The whole commit message, as written.
    public var message: String

    public init(sha: String, authorName: String, authorEmail: String, authoredAt: Date, message: String) {
        self.sha = sha
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.authoredAt = authoredAt
        self.message = message
    }

    /// The first 12 digits of the SHA, as people quote it.
    public var shortSHA: String { String(sha.prefix(12)) }

    /// "Name <email>".
    public var author: String { authorEmail.isEmpty ? authorName : "\(authorName) <\(authorEmail)>" }

    /// The message's first line.
    public var summary: String {
        String(message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces)
    }
}

extension CommitInfo {
    /// Reads back what `JSONWriter.commit` wrote; nil when a field is missing.
    public init?(json object: [String: Any]) {
        guard let sha = object["sha"] as? String, let name = object["author"] as? String, let email = object["email"] as? String,
            let at = (object["authored_at"] as? String).flatMap({ try? Date($0, strategy: .iso8601) }),
            let message = object["message"] as? String
        else { return nil }
        self.init(sha: sha, authorName: name, authorEmail: email, authoredAt: at, message: message)
    }
}

extension JSONWriter {
    /// `{ "sha", "author", "email", "authored_at", "message" }`.
    public mutating func commit(_ commit: CommitInfo) {
        beginObject()
        member("sha", commit.sha)
        member("author", commit.authorName)
        member("email", commit.authorEmail)
        member("authored_at", commit.authoredAt.formatted(.iso8601))
        member("message", commit.message)
        endObject()
    }
}
