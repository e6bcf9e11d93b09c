import Foundation
import ProvisorCore

/// A right-sizing margin as inline SVG: cost, revenue and margin before and after, as bars with
/// their figures beside them, and the margin after as the chart's caption ("$40.00 / 20%").
enum MarginChart {
    static func svg(_ line: RightsizingReport.Line, title: String) -> String {
        let rows: [(String, Decimal, String)] = [
            ("cost before", line.before.cost, "cost"), ("cost after", line.after.cost, "cost"),
            ("revenue before", line.before.revenue, "revenue"), ("revenue after", line.after.revenue, "revenue"),
            ("margin before", line.before.margin, "margin"), ("margin after", line.after.margin, "margin"),
        ]
        let largest = max(1, rows.map { abs(NSDecimalNumber(decimal: $0.1).doubleValue) }.max() ?? 1)
        let width = 420.0, labelWidth = 110.0, barArea = 200.0, rowHeight = 22.0, top = 30.0
        let zero = labelWidth + (rows.contains { $0.1 < 0 } ? barArea / 2 : 0)
        let scale = (rows.contains { $0.1 < 0 } ? barArea / 2 : barArea) / largest
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="\#(Int(width))" height="\#(Int(top + rowHeight * 6 + 10))">"#
        svg += "<title>\(HTMLText.escape(title))</title>"
        svg += #"<text x="0" y="18" class="caption">\#(HTMLText.escape(title)): margin after \#(HTMLText.escape(caption(line.after)))</text>"#
        for (index, (label, value, kind)) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            let length = abs(NSDecimalNumber(decimal: value).doubleValue) * scale
            let x = value < 0 ? zero - length : zero
            svg += #"<text x="0" y="\#(y + 14)" class="label">\#(label)</text>"#
            svg += #"<rect x="\#(x)" y="\#(y + 3)" width="\#(length)" height="\#(rowHeight - 6)" class="bar \#(kind)\#(value < 0 ? " negative" : "")"/>"#
            svg += #"<text x="\#(labelWidth + barArea + 8)" y="\#(y + 14)" class="figure">\#(dollars(value))</text>"#
        }
        return svg + "</svg>"
    }

    /// "$40.00 / 20%": the margin and its share of revenue.
    static func caption(_ margin: Margin) -> String {
        dollars(margin.margin) + " / " + (margin.marginPercent.map(percent) ?? "-")
    }

    /// "$40.00", "-$8.00".
    static func dollars(_ value: Decimal) -> String {
        value < 0 ? "-$" + RightsizeView.money(-value) : "$" + RightsizeView.money(value)
    }

    /// "20%", "12.5%": a share to one decimal place, without a zero one.
    static func percent(_ value: Decimal) -> String {
        var exact = value, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 1, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue + "%"
    }
}
