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
        var writer = JSONWriter(pretty: false, capacity: model.customerCodes.count * 256)
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
        // JSON in a script: "<" written as \\u003c, so a value cannot close the script element.
        let index = writer.text.replacingOccurrences(of: "<", with: "\\u003c")
        return "const PROVISOR_INDEX = " + index + ";\n" + script
    }

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
