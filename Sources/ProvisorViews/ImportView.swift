import Foundation
import ProvisorCore
import ProvisorRuntime

/// Renders `provisor import`.
public enum ImportView {
    // MARK: Human

    public static func human(_ result: ImportResult, dryRun: Bool, state: String, colour: Bool) -> String {
        var out = "Import from \(result.engines.joined(separator: ", ")) into \(state)"
        out += dryRun ? " (dry run: nothing is written or recorded):\n" : ":\n"
        func lines(adopted: [ResourceAddress], notes: [ImportNote]) {
            if !adopted.isEmpty { out += "  \(dryRun ? "would adopt" : "adopted") \(counts(adopted))\n" }
            for note in notes {
                let (symbol, style) = marker(note.kind)
                out += "  " + style.apply("\(symbol) \(note.kind.rawValue)", colour) + "  " + (note.address.map { "\($0): " } ?? "") + note.message + "\n"
            }
        }
        if !result.resellers.adopted.isEmpty || !result.resellers.notes.isEmpty {
            out += "\n" + Style.bold.apply("resellers", colour) + "  described in the manifests, not recorded yet\n"
            lines(adopted: result.resellers.adopted, notes: result.resellers.notes)
        }
        let shown = result.customers.filter { !$0.files.isEmpty || !$0.adopted.isEmpty || !$0.notes.isEmpty }
        for customer in shown {
            out += "\n" + Style.bold.apply("customer \(customer.code)", colour) + "  " + headline(customer) + "\n"
            for file in customer.files { out += "  \(dryRun ? "would write" : "wrote") \(file.path)\n" }
            lines(adopted: customer.adopted, notes: customer.notes)
        }
        let managed = result.customers.count { $0.status == .managed } - shown.count { $0.status == .managed }
        if managed > 0 { out += "\n\(managed) customer\(managed == 1 ? " is" : "s are") already managed, with nothing to import.\n" }
        out += "\n" + summary(result, dryRun: dryRun) + "\n"
        return out
    }

    static func headline(_ customer: ImportedCustomer) -> String {
        switch customer.status {
        case .new: return "new: its manifests are written"
        case .described: return "described in the manifests, not recorded yet"
        case .managed: return "already managed: nothing is rewritten"
        case .skipped: return "not imported"
        }
    }

    /// "1 customer, 14 users, 20 services".
    static func counts(_ addresses: [ResourceAddress]) -> String {
        let resellers = addresses.count { $0.kind == .reseller }
        let customers = addresses.count { $0.kind == .customer }
        let users = addresses.count { $0.kind == .user }
        let services = addresses.count - resellers - customers - users
        return [(resellers, "reseller"), (customers, "customer"), (users, "user"), (services, "service")].filter { $0.0 > 0 }
            .map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }.joined(separator: ", ")
    }

    static func marker(_ kind: ImportNote.Kind) -> (String, Style) {
        switch kind {
        case .guessed: return ("?", .yellow)
        case .matched: return ("=", .dim)
        case .unmapped: return ("!", .red)
        case .conflict: return ("✗", .red)
        case .undescribed: return ("+", .yellow)
        case .differs: return ("~", .yellow)
        }
    }

    static func summary(_ result: ImportResult, dryRun: Bool) -> String {
        let imported = result.customers.count { !$0.adopted.isEmpty || !$0.files.isEmpty }
        let notes = result.notes
        let left = [
            (notes.count { $0.kind == .unmapped }, "not mapped"), (notes.count { $0.kind == .conflict }, "in conflict"),
            (notes.count { $0.kind == .undescribed }, "not described"),
        ]
        .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        guard imported > 0 else {
            return "Nothing to import" + (left.isEmpty ? "." : ": " + left.joined(separator: ", ") + " (see above).")
        }
        var line = dryRun ? "Would import" : "Imported"
        line +=
            " \(imported) customer\(imported == 1 ? "" : "s"): \(dryRun ? "would write" : "wrote") \(result.files.count) file\(result.files.count == 1 ? "" : "s"), "
        line +=
            "\(dryRun ? "would adopt" : "adopted") \(result.adopted.count) resource\(result.adopted.count == 1 ? "" : "s") (audit: imported); nothing sent to any engine."
        if !left.isEmpty { line += "\nLeft out: " + left.joined(separator: ", ") + " (see above)." }
        if !dryRun { line += "\nReview and commit the new files; provisor reconcile --dry-run shows no changes for what was adopted." }
        return line
    }

    // MARK: JSON

    public static func json(_ result: ImportResult, dryRun: Bool) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("format_version", "1")
        writer.key("dry_run")
        writer.boolean(dryRun)
        writer.key("engines")
        writer.beginArray()
        for engine in result.engines { writer.string(engine) }
        writer.endArray()
        writer.key("resellers")
        writer.beginObject()
        addresses(result.resellers.adopted, &writer)
        notes(result.resellers.notes, &writer)
        writer.endObject()
        writer.key("customers")
        writer.beginArray()
        for customer in result.customers {
            writer.beginObject()
            writer.member("code", customer.code)
            writer.member("status", customer.status.rawValue)
            writer.key("files")
            writer.beginArray()
            for file in customer.files {
                writer.beginObject()
                writer.member("path", file.path)
                writer.member("text", file.text)
                writer.endObject()
            }
            writer.endArray()
            addresses(customer.adopted, &writer)
            notes(customer.notes, &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("summary")
        writer.beginObject()
        writer.member("files", result.files.count)
        writer.member("adopted", result.adopted.count)
        for kind in ImportNote.Kind.allCases { writer.member(kind.rawValue, result.notes.count { $0.kind == kind }) }
        writer.endObject()
        writer.endObject()
        return writer.text + "\n"
    }

    private static func addresses(_ adopted: [ResourceAddress], _ writer: inout JSONWriter) {
        writer.key("adopted")
        writer.beginArray()
        for address in adopted { writer.string(address.description) }
        writer.endArray()
    }

    private static func notes(_ notes: [ImportNote], _ writer: inout JSONWriter) {
        writer.key("notes")
        writer.beginArray()
        for note in notes {
            writer.beginObject()
            writer.member("kind", note.kind.rawValue)
            writer.key("address")
            if let address = note.address { writer.string(address.description) } else { writer.null() }
            writer.member("message", note.message)
            writer.endObject()
        }
        writer.endArray()
    }
}
