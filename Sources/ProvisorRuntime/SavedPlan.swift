import Foundation
import ProvisorCore

/// A plan saved with `plan --out`, to be applied exactly as it was reviewed.
public struct SavedPlan: Sendable {
    public var path: String
    public var text: String
    public var header: StateHeader
    public var deletes: Int
    public var refused: Bool
    /// The commit it was made from, when the manifests came from git.
    public var commit: CommitInfo?

    public static func read(_ path: String) throws -> SavedPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError(description: "error: cannot read the saved plan '\(path)' (check the path given to --plan)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let state = object["state"] as? [String: Any], let serial = state["serial"] as? Int, let resources = state["resources"] as? Int,
            let summary = object["summary"] as? [String: Any], let deletes = summary["delete"] as? Int
        else {
            throw RunError(description: "error: '\(path)' is not a saved plan (write one with provisor plan --out FILE)")
        }
        guard object["format_version"] as? String == ChangePlan.formatVersion else {
            throw RunError(
                description:
                    "error: '\(path)' is a plan of format \(object["format_version"] ?? "?"), and this provisor reads format \(ChangePlan.formatVersion); make a new plan"
            )
        }
        return SavedPlan(
            path: path, text: String(decoding: data, as: UTF8.self),
            header: StateHeader(lineage: state["lineage"] as? String, serial: serial, resourceCount: resources),
            deletes: deletes, refused: !((object["refusals"] as? [Any])?.isEmpty ?? true),
            commit: (object["commit"] as? [String: Any]).flatMap(CommitInfo.init(json:)))
    }

    /// Refuses the saved plan when the state moved since it was made, or when planning now
    /// gives anything else (the manifests changed).
    public func check(against plan: ChangePlan, store: String) throws {
        if refused {
            throw RunError(
                description: "error: the saved plan '\(path)' was refused by the safety rules when it was made, so it cannot be applied; make a new plan")
        }
        let now = plan.state
        let sameState = header.lineage == nil ? (now.serial == 0 && now.resourceCount == 0) : (header.lineage == now.lineage && header.serial == now.serial)
        guard sameState else {
            let then = header.lineage.map { "serial \(header.serial) of state \($0)" } ?? "an empty state"
            throw RunError(
                description:
                    "error: the saved plan '\(path)' is stale: it was made against \(then), and \(store) is now at serial \(now.serial) of state \(now.lineage ?? "(none)"); make a new plan with provisor plan --out \(path)"
            )
        }
        // Only what the plan does must match: the same changes from another commit (or from
        // the working tree) are the same plan.
        var replanned = plan
        replanned.state = header
        replanned.commit = commit
        guard replanned.json() == text else {
            throw RunError(
                description:
                    "error: the saved plan '\(path)' no longer matches what the manifests give now (they changed since it was made); review a new plan with provisor plan --out \(path)"
            )
        }
    }
}
