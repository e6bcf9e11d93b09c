import ProvisorCore
import ProvisorGit
import ProvisorRuntime

/// Renders `provisor diff`: the changed manifest files, then the resource changes as a plan.
public enum DiffView {
    public struct Comparison {
        var base: String
        var baseCommit: CommitInfo
        /// nil for the working tree.
        var head: String?
        var headCommit: CommitInfo?
        var files: [ManifestFileChange]

        public init(base: String, baseCommit: CommitInfo, head: String?, headCommit: CommitInfo?, files: [ManifestFileChange]) {
            self.base = base
            self.baseCommit = baseCommit
            self.head = head
            self.headCommit = headCommit
            self.files = files
        }

        /// "base main (1a2b3c4d5e6f) with head feature (…)" or "… with the working tree".
        var description: String {
            let to = head.map { "head \($0) (\(headCommit?.shortSHA ?? "?"))" } ?? "the working tree"
            return "base \(base) (\(baseCommit.shortSHA)) with \(to)"
        }
    }

    public static func human(_ plan: ChangePlan, _ comparison: Comparison, colour: Bool, to sink: (String) -> Void) {
        var preamble = "\n" + filesHeading(comparison.files) + (comparison.files.isEmpty ? "" : ":") + "\n"
        for file in comparison.files { preamble += "  " + fileLine(file) + "\n" }
        PlanView.human(plan, context: context(comparison, preamble: preamble), colour: colour, to: sink)
        for refusal in plan.refusals {
            sink(Style.yellow.apply("note:", colour) + " against a state recorded from base, reconcile would refuse this change: \(refusal)\n")
        }
    }

    public static func markdown(_ plan: ChangePlan, _ comparison: Comparison, limit: Int) -> String {
        var preamble = "<details><summary>\(filesHeading(comparison.files))</summary>\n\n"
        for file in comparison.files { preamble += "- `" + fileLine(file) + "`\n" }
        preamble += "\n</details>\n\n"
        return PlanView.markdown(plan, context: context(comparison, preamble: preamble), limit: limit)
    }

    /// `{ "format_version", "base", "head", "files", "plan" }`, the plan in its own JSON form.
    public static func json(_ plan: ChangePlan, _ comparison: Comparison, to sink: (String) -> Void) {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        writer.key("base")
        writer.beginObject()
        writer.member("revision", comparison.base)
        writer.key("commit")
        writer.commit(comparison.baseCommit)
        writer.endObject()
        writer.key("head")
        writer.beginObject()
        writer.member("revision", comparison.head)
        writer.key("working_tree")
        writer.boolean(comparison.head == nil)
        if let commit = comparison.headCommit {
            writer.key("commit")
            writer.commit(commit)
        }
        writer.endObject()
        writer.key("files")
        writer.beginArray()
        for file in comparison.files {
            writer.beginObject()
            writer.member("status", file.status.rawValue)
            writer.member("path", file.path)
            writer.member("old_path", file.oldPath)
            writer.endObject()
        }
        writer.endArray()
        writer.key("plan")
        sink(writer.text)
        plan.writeJSON(to: sink)
        sink("}\n")
    }

    private static func context(_ comparison: Comparison, preamble: String) -> PlanView.Context {
        PlanView.Context(store: "", stateExists: true, comparison: comparison.description, preamble: preamble)
    }

    static func filesHeading(_ files: [ManifestFileChange]) -> String {
        files.isEmpty ? "No manifest files changed." : "Manifest files changed (\(files.count))"
    }

    /// "modified  manifests/customers/jbl/users.yaml", "renamed   new.yaml (from old.yaml)".
    static func fileLine(_ file: ManifestFileChange) -> String {
        let status = file.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
        return status + " " + file.path + (file.oldPath.map { " (from \($0))" } ?? "")
    }
}
