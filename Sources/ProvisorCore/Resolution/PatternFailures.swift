/// Problems with naming-pattern results, one diagnostic per pattern and kind of problem
/// however many resources share it.
struct PatternFailures: Sendable {
    struct Failure: Sendable {
        var diagnostic: Diagnostic
        var count: Int
    }

    private(set) var failures: [String: Failure] = [:]

    mutating func add(at location: SourceLocation, kind: String, _ message: String, hint: String) {
        let key = "\(location) \(kind)"
        if failures[key] == nil {
            failures[key] = Failure(diagnostic: .error(at: location, message, hint: hint), count: 1)
        } else {
            failures[key]!.count += 1
        }
    }

    mutating func merge(_ other: PatternFailures) {
        for (key, failure) in other.failures {
            if failures[key] == nil { failures[key] = failure } else { failures[key]!.count += failure.count }
        }
    }

    var diagnostics: [Diagnostic] {
        failures.values.map { failure in
            guard failure.count > 1 else { return failure.diagnostic }
            var diagnostic = failure.diagnostic
            diagnostic.message += " (and \(failure.count - 1) more resource\(failure.count == 2 ? "" : "s"))"
            return diagnostic
        }
    }
}
