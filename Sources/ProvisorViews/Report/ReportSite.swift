import Foundation
import ProvisorCore
import ProvisorRuntime

/// `provisor report --html DIR`: a self-contained static site (no server, no request outside
/// it): `index.html` (summary, search, the reseller tree, plan, drift, audit trail, right-sizing),
/// one page per customer under `customers/` (its effective values as data in the page),
/// `search.js` (the search index), `report.js` and `report.css`.
public enum ReportSite {
    public struct Written: Sendable {
        public var directory: String
        public var pages: Int
        public var customers: Int
        /// The run's stages, then the site's: model, overview, customer pages.
        public var stopwatch: Stopwatch
    }

    /// Writes the site into `directory` (created when missing), replacing the files it wrote
    /// before; anything else there is left alone.
    public static func write(_ outcome: ReportRun.Outcome, to directory: String) throws -> Written {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw RunError(description: "error: '\(directory)' is a file; give --html a directory to write the report into")
        }
        let customersDirectory = directory + "/customers"
        var link = stat()
        if lstat(customersDirectory, &link) == 0, (link.st_mode & S_IFMT) != S_IFDIR {
            throw RunError(
                description:
                    "error: '\(customersDirectory)' is not a folder (a link or a file); the report writes its customer pages there and never through a link: remove it and run again"
            )
        }
        do {
            try FileManager.default.createDirectory(atPath: customersDirectory, withIntermediateDirectories: true)
        } catch {
            throw RunError(description: "error: cannot create '\(customersDirectory)': \(error.localizedDescription)")
        }
        var stopwatch = outcome.stopwatch
        stopwatch.restart()
        let model = ReportModel(outcome)
        stopwatch.lap("group")
        try save(ReportPages.index(model), to: directory + "/index.html")
        try save(ReportAssets.css, to: directory + "/report.css")
        try save(ReportAssets.search(model), to: directory + "/search.js")
        try save(ReportAssets.report, to: directory + "/report.js")
        stopwatch.lap("overview")
        let codes = model.customerCodes
        let failures = parallelChunks(codes.count, chunkSize: 64) { range -> String? in
            for index in range {
                let code = codes[index]
                do {
                    try save(ReportPages.customer(code, model), to: customersDirectory + "/" + ReportModel.fileName(code))
                } catch {
                    return "\(error)"
                }
            }
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw RunError(description: failure) }
        stopwatch.lap("customer pages")
        return Written(directory: directory, pages: codes.count + 1, customers: codes.count, stopwatch: stopwatch)
    }

    /// Written to a new file and renamed into place (`FileReplacement`): a link planted where a
    /// page goes is replaced, never followed, and a page is never seen half written.
    static func save(_ text: String, to path: String) throws {
        do {
            try FileReplacement.write(Data(text.utf8), to: path, mode: 0o644)
        } catch {
            throw RunError(description: "\(error)")
        }
    }

    /// "Wrote the report to site/: 1 overview and 9 customer pages."
    public static func summary(_ written: Written) -> String {
        "Wrote the report to \(written.directory)/: 1 overview and \(written.customers) customer page\(written.customers == 1 ? "" : "s"). Open \(written.directory)/index.html in a browser.\n"
    }
}
