import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime

/// Renders validation results as human text, JSON or GitHub workflow annotations.
public enum DiagnosticsView {
    public static func line(_ diagnostic: Diagnostic, colour: Bool) -> String {
        let severity = diagnostic.severity == .error ? Style.red.apply("error:", colour) : Style.yellow.apply("warning:", colour)
        // A message may quote a value from a reseller's file: it is one line, and drives no terminal.
        return "\(Style.bold.apply("\(diagnostic.location):", colour)) \(severity) \(diagnostic.text.controlCharactersEscaped)"
    }

    /// What `validate --changed-since` reports on.
    public struct Scope {
        var revision: String
        var commit: CommitInfo
        var files: [ManifestFileChange]
        /// Errors in unchanged files that the base revision already had, left out.
        var earlierErrors: Int

        public init(revision: String, commit: CommitInfo, files: [ManifestFileChange], earlierErrors: Int) {
            self.revision = revision
            self.commit = commit
            self.files = files
            self.earlierErrors = earlierErrors
        }

        var description: String {
            let changed = files.filter { $0.status != .deleted }.count
            return "\(changed) manifest \(changed == 1 ? "file" : "files") changed since \(revision) (\(commit.shortSHA))"
        }
    }

    public static func human(_ report: ManifestPipeline.Report, colour: Bool, scope: Scope? = nil) -> String {
        var lines = report.diagnostics.map { line($0, colour: colour) }
        let estate = report.estate
        if let scope {
            let earlier =
                scope.earlierErrors == 0
                ? ""
                : "; \(scope.earlierErrors) \(scope.earlierErrors == 1 ? "error" : "errors") that \(scope.revision) already had left out (run provisor validate to see them)"
            if report.isValid {
                lines.append(Style.green.apply("No new problems:", colour) + " \(scope.description)\(earlier).")
            } else {
                let errors = report.diagnostics.errorCount
                lines.append(Style.red.apply("Invalid:", colour) + " \(errors) new \(errors == 1 ? "error" : "errors"), \(scope.description)\(earlier).")
            }
        } else if report.isValid {
            let counts =
                "\(estate.engines.count) engines, \(estate.services.count) services, \(estate.resellers.count) resellers, "
                + "\(estate.customers.count) customers, \(estate.users.count) users"
            lines.append(Style.green.apply("Valid:", colour) + " \(estate.files.count) files, \(estate.documentCount) documents (\(counts)).")
            let resources = report.desired.counts
            let kinds = ResourceAddress.Kind.resources.map { kind in "\(resources[kind] ?? 0) \(kind.rawValue)s" }
            lines.append("Resolved \(report.desired.resources.count) resources (\(kinds.joined(separator: ", "))).")
        } else {
            let errors = report.diagnostics.errorCount
            let files = Set(report.diagnostics.map(\.location.file)).count
            lines.append(Style.red.apply("Invalid:", colour) + " \(errors) \(errors == 1 ? "error" : "errors") in \(files) \(files == 1 ? "file" : "files").")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct JSONReport: Encodable {
        struct Entry: Encodable {
            var file: String
            var line: Int
            var column: Int
            var severity: String
            var message: String
            var hint: String?
        }
        struct Summary: Encodable {
            var files, documents, errors, engines, services, resellers, customers, users, resources: Int
        }
        struct ChangedSince: Encodable {
            var revision: String
            var commit: String
            var files: [String]
            var earlier_errors: Int
        }
        var format_version = "1"
        var valid: Bool
        var summary: Summary
        /// Present with --changed-since: the diagnostics are then only the new ones.
        var changed_since: ChangedSince?
        var diagnostics: [Entry]
    }

    public static func json(_ report: ManifestPipeline.Report, scope: Scope? = nil) throws -> String {
        let estate = report.estate
        let value = JSONReport(
            valid: report.isValid,
            summary: .init(
                files: estate.files.count, documents: estate.documentCount, errors: report.diagnostics.errorCount,
                engines: estate.engines.count, services: estate.services.count, resellers: estate.resellers.count,
                customers: estate.customers.count, users: estate.users.count,
                resources: report.isValid && (scope?.earlierErrors ?? 0) == 0 ? report.desired.resources.count : 0),
            changed_since: scope.map {
                .init(
                    revision: $0.revision, commit: $0.commit.sha,
                    files: $0.files.filter { $0.status != .deleted }.map(\.path), earlier_errors: $0.earlierErrors)
            },
            diagnostics: report.diagnostics.map {
                .init(
                    file: $0.location.file, line: $0.location.line, column: $0.location.column,
                    severity: $0.severity.rawValue, message: $0.message, hint: $0.hint)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`.
    public static func github(_ report: ManifestPipeline.Report) -> String {
        var lines = report.diagnostics.map { diagnostic in
            let location = diagnostic.location
            var properties = "file=\(escapeProperty(location.file))"
            if location.line > 0 { properties += ",line=\(location.line),col=\(location.column)" }
            return "::\(diagnostic.severity.rawValue) \(properties),title=provisor validate::\(escapeData(diagnostic.text))"
        }
        let errors = report.diagnostics.errorCount
        lines.append(report.isValid ? "provisor: manifests are valid" : "provisor: \(errors) \(errors == 1 ? "error" : "errors")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitLab Code Quality report (docs.gitlab.com/ee/ci/testing/code_quality.html, "Code
    /// Quality report format"): one issue per diagnostic, errors `major`, warnings `minor`, its
    /// fingerprint a hash of file, message and hint (stable when lines move). A merge request
    /// shows each at its file and line.
    public static func gitlab(_ report: ManifestPipeline.Report) -> String {
        var writer = JSONWriter()
        writer.beginArray()
        for diagnostic in report.diagnostics {
            writer.beginObject()
            writer.member("description", diagnostic.text)
            writer.member("check_name", "provisor-validate")
            writer.member("fingerprint", fingerprint(diagnostic.location.file + "\n" + diagnostic.text))
            writer.member("severity", diagnostic.severity == .error ? "major" : "minor")
            writer.key("location")
            writer.beginObject()
            writer.member("path", diagnostic.location.file)
            writer.key("lines")
            writer.beginObject()
            writer.member("begin", max(diagnostic.location.line, 1))
            writer.endObject()
            writer.endObject()
            writer.endObject()
        }
        writer.endArray()
        return writer.text + "\n"
    }

    /// FNV-1a, 64 bits, twice (with two offsets) for 32 hex digits.
    static func fingerprint(_ text: String) -> String {
        [UInt64(0xcbf2_9ce4_8422_2325), 0x84222325_cbf29ce4].map { offset in
            var hash = offset
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
