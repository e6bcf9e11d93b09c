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

    /// Written in place, not through a temporary file and a rename: a report is written whole
    /// again when it fails, and the rename's second file and flush cost more than the page.
    static func save(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw RunError(description: "error: cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// "Wrote the report to site/: 1 overview and 9 customer pages."
    public static func summary(_ written: Written) -> String {
        "Wrote the report to \(written.directory)/: 1 overview and \(written.customers) customer page\(written.customers == 1 ? "" : "s"). Open \(written.directory)/index.html in a browser.\n"
    }
}
