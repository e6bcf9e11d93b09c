import Foundation

/// Writes the manifest of a new customer, with a code generated from its name.
public enum CustomerScaffold {
    /// Words that do not contribute an initial when the name has enough capitalised words.
    static let minorWords: Set<String> = ["the", "and", "of", "for", "a", "an", "&", "de", "la", "le", "und"]

    /// A code from the name's initials ("Jones the Baker Ltd" → "JBL"), upper-case, made
    /// unique against `taken` by adding a number ("JBL2", "JBL3", ...).
    public static func generateCode(for name: String, taken: Set<String>) -> String {
        let words = name.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil).split { !$0.isLetter && !$0.isNumber }.map(String.init)
        let significant = words.filter { !minorWords.contains($0.lowercased()) }
        var base = String(significant.compactMap { $0.unicodeScalars.first(where: isASCIIAlphanumeric).map(Character.init) })
            .uppercased()
        if base.count < 2 {
            base = String(words.joined().unicodeScalars.filter(isASCIIAlphanumeric).prefix(3).map(Character.init)).uppercased()
        }
        if base.isEmpty { base = "CUST" }
        if !(base.first!.isLetter) { base = "C" + base }
        if base.count < 2 { base += "X" }
        base = String(base.prefix(12))
        guard taken.contains(base) else { return base }
        var suffix = 2
        while taken.contains("\(base)\(suffix)") { suffix += 1 }
        return "\(base)\(suffix)"
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar))
    }

    /// The Customer manifest text, ready to commit.
    public static func manifest(
        code: String, name: String, reseller: String, type: Customer.CustomerType = .standard,
        domain: String? = nil, contactEmail: String? = nil
    ) -> String {
        var lines = [
            "apiVersion: \(manifestAPIVersion)",
            "kind: Customer",
            "metadata:",
            "  code: \(code)",
            "  name: \(YAMLWriter.string(name))",
            "spec:",
            "  reseller: \(reseller)",
            "  type: \(type.rawValue)",
            "  status: active",
            "  location: { type: platform }",
            "  protect: true",
        ]
        if let domain { lines += ["  domains:", "    primary: \(domain)"] }
        if let contactEmail { lines += ["  contact:", "    email: \(contactEmail)"] }
        lines += ["  services: []"]
        return lines.joined(separator: "\n") + "\n"
    }
}
