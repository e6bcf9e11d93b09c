import Foundation
import ProvisorCore

/// The report's stylesheet and its search script with the index of customers, domains and UPNs.
enum ReportAssets {
    static let css = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; color: #1d232a; }
        h1 { font-size: 24px; margin: 24px 0 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #d6dbe0; }
        .meta { color: #5b6671; } a { color: #0b5cad; }
        .figures { display: flex; gap: 24px; list-style: none; padding: 0; } .figures strong { font-size: 20px; margin-right: 4px; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceff2; vertical-align: top; }
        th { background: #f5f7f9; } tr.create td:first-child { color: #1a7f37; } tr.delete td:first-child { color: #c62828; } tr.update td:first-child { color: #9a6700; }
        .tree, .tree ul { list-style: none; padding-left: 18px; } .tree .reseller > strong { color: #3b4650; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dt { color: #5b6671; } dd { margin: 0; }
        details { margin: 4px 0; } summary { cursor: pointer; font-family: ui-monospace, monospace; }
        #q { width: 100%; max-width: 480px; padding: 6px 8px; font-size: 15px; } #results { padding-left: 18px; }
        .charts { display: flex; flex-wrap: wrap; gap: 24px; } .chart text { font-size: 12px; fill: #1d232a; } .chart .caption { font-weight: 600; }
        .refused { border-left: 4px solid #c62828; padding-left: 12px; }
        .bar.cost { fill: #c0392b; } .bar.revenue { fill: #2e86c1; } .bar.margin { fill: #27ae60; } .bar.negative { fill: #e67e22; }
        """

    /// `search.js`: the index (one entry per customer in scope: code, name, domains, users' UPNs)
    /// and a search over it; `index.html?q=TEXT` searches on load.
    static func search(_ model: ReportModel) -> String {
        var writer = JSONWriter(pretty: false, capacity: model.customerCodes.count * 256, scriptSafe: true)
        writer.beginArray()
        for code in model.customerCodes {
            let resources = model.resources[code] ?? []
            let customer = resources.first { $0.kind == .customer }
            writer.beginObject()
            writer.member("c", code)
            writer.member("n", ReportModel.text(customer?["name"]) ?? "")
            writer.member("p", ReportModel.fileName(code))
            writer.key("d")
            writer.beginArray()
            if let primary = ReportModel.text(customer?["domains.primary"]) { writer.string(primary) }
            if case .list(let aliases)? = customer?["domains.aliases"] { for alias in aliases { writer.string(alias) } }
            writer.endArray()
            writer.key("u")
            writer.beginArray()
            for user in resources where user.kind == .user {
                writer.beginArray()
                writer.string(user.address.user ?? "")
                writer.string(ReportModel.text(user["upn"]) ?? "")
                writer.endArray()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        return "const PROVISOR_INDEX = " + writer.text + ";\n" + script
    }

    /// A customer's effective values, as data for its page: every value of each of its
    /// resources with the level and file:line that set it, as `{r: [{a, k, v: [[name, value,
    /// level, file, line]]}], l: [level], f: [file]}`: levels and files are written once and
    /// numbered (a value without a file has file -1). Safe inside a script element: "<" is
    /// written \u003c.
    static func values(_ code: String, _ model: ReportModel) -> String {
        let explanations = model.outcome.manifests.resolution.explainCustomer(code)
        var levels: [Level: Int] = [:], files: [String: Int] = [:]
        var writer = JSONWriter(pretty: false, capacity: explanations.count * 512, scriptSafe: true)
        writer.beginObject()
        writer.key("r")
        writer.beginArray()
        for explanation in explanations {
            writer.beginObject()
            writer.member("a", explanation.resource.address.description)
            writer.member("k", explanation.resource.kind.rawValue)
            writer.key("v")
            writer.beginArray()
            for entry in explanation.entries {
                let origin = entry.effective.origin
                writer.beginArray()
                writer.string(entry.name)
                writer.string(ExplainView.text(entry.effective.value, name: entry.name))
                writer.integer(number(origin.level, in: &levels))
                writer.integer(origin.location.map { number($0.file, in: &files) } ?? -1)
                writer.integer(origin.location?.line ?? 0)
                writer.endArray()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.key("l")
        writer.beginArray()
        for (level, _) in levels.sorted(by: { $0.value < $1.value }) { writer.string(level.description) }
        writer.endArray()
        writer.key("f")
        writer.beginArray()
        for (file, _) in files.sorted(by: { $0.value < $1.value }) { writer.string(file) }
        writer.endArray()
        writer.endObject()
        return "const PROVISOR_VALUES = " + writer.text + ";"
    }

    /// The number of `key` in `numbers`, given the next one when it is new.
    private static func number<Key: Hashable>(_ key: Key, in numbers: inout [Key: Int]) -> Int {
        if let number = numbers[key] { return number }
        numbers[key] = numbers.count
        return numbers.count - 1
    }

    /// `report.js`: lays out a customer's effective values, every value set as text.
    static let report = """
        (function () {
          const holder = document.getElementById("values");
          if (!holder || typeof PROVISOR_VALUES === "undefined") return;
          function cell(row, tag, text) { const c = document.createElement(tag); c.textContent = text; row.appendChild(c); }
          const levels = PROVISOR_VALUES.l, files = PROVISOR_VALUES.f;
          for (const resource of PROVISOR_VALUES.r) {
            const details = document.createElement("details"), summary = document.createElement("summary");
            summary.textContent = resource.a + " (" + resource.k + ")";
            details.appendChild(summary);
            const table = document.createElement("table"), head = document.createElement("tr");
            for (const title of ["Name", "Value", "Level", "Set at"]) cell(head, "th", title);
            table.appendChild(head);
            for (const [name, value, level, file, line] of resource.v) {
              const row = document.createElement("tr");
              for (const text of [name, value, levels[level], file < 0 ? "" : files[file] + ":" + line]) cell(row, "td", text);
              table.appendChild(row);
            }
            details.appendChild(table);
            holder.appendChild(details);
          }
        })();
        """

    static let script = """
        (function () {
          const input = document.getElementById("q"), results = document.getElementById("results");
          function item(href, label) {
            const li = document.createElement("li"), a = document.createElement("a");
            a.href = href; a.textContent = label; li.appendChild(a); return li;
          }
          function search(text) {
            const q = text.trim().toLowerCase();
            results.replaceChildren();
            if (q.length < 2) return;
            let shown = 0;
            for (const c of PROVISOR_INDEX) {
              if (shown >= 50) break;
              const page = "customers/" + c.p;
              if (c.c.toLowerCase().includes(q) || c.n.toLowerCase().includes(q) || c.d.some(d => d.toLowerCase().includes(q))) {
                results.appendChild(item(page, c.c + " " + c.n + " (" + c.d.join(", ") + ")")); shown++;
              }
              for (const [user, upn] of c.u) {
                if (shown < 50 && upn.toLowerCase().includes(q)) { results.appendChild(item(page + "#user-" + user, upn + " (" + c.c + " " + c.n + ")")); shown++; }
              }
            }
            if (shown === 0) results.appendChild(document.createTextNode("Nothing matches."));
          }
          input.addEventListener("input", () => search(input.value));
          const asked = new URLSearchParams(location.search).get("q");
          if (asked) { input.value = asked; search(asked); }
        })();
        """
}
