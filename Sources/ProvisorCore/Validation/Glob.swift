#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Path globs as `delegation` paths write them: `*` and `?` and `[...]` within one folder name, `**`
/// for any number of folders. A glob that matches a folder matches every file below it.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return match(patternParts[...], pathParts[...])
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return true }  // the pattern matched a folder above the file
        if first == "**" {
            let rest = pattern.dropFirst()
            return path.indices.contains { match(rest, path[$0...]) } || match(rest, path[path.endIndex...])
        }
        guard let name = path.first, fnmatch(first, name, FNM_PERIOD) == 0 else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }
}
