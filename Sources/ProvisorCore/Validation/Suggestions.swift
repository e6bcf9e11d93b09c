/// "Did you mean" suggestions for misspelt field names, kinds, codes and enum values.
public enum Suggestions {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a typo
    /// (at most a third of the word's length, and at least one edit allowed).
    public static func closest<S: Sequence>(to word: String, in candidates: S) -> String? where S.Element == String {
        let lowered = word.lowercased()
        let limit = max(1, lowered.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= limit, best.map({ distance < $0.1 }) ?? true {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// The `count` candidates closest to `word`, nearest first, ties in the given order.
    public static func nearest(to word: String, in candidates: [String], count: Int) -> [String] {
        let lowered = word.lowercased()
        return candidates.enumerated()
            .map { (candidate: $0.element, index: $0.offset, distance: editDistance(lowered, $0.element.lowercased())) }
            .sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
            .prefix(count)
            .map(\.candidate)
    }

    /// Edit distance over Unicode scalars, counting a swap of two neighbours as one edit
    /// (optimal string alignment), so "NEXSU" is one edit from "NEXUS".
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }

    /// ` (did you mean 'x'?)`-style hint text, or the list of allowed values when nothing is close.
    static func hint(for word: String, among candidates: [String], noun: String = "allowed") -> String {
        if let match = closest(to: word, in: candidates) {
            return "did you mean '\(match)'?"
        }
        return "\(noun): \(candidates.joined(separator: ", "))"
    }
}
