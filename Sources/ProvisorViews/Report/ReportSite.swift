import Foundation
import ProvisorCore
import ProvisorRuntime

/// `provisor report --html DIR`: a self-contained static site (no server, no request outside
/// it): `index.html` (summary, search, the reseller tree, plan, drift, audit trail, right-sizing),
/// one page per customer under `customers/` with its effective values as data under `values/`,
/// `search.js` (the search index), `report.js` and `report.css`.
public enum ReportSite {
    public struct Written: Sendable {
        public var directory: String
        public var pages: Int
        public var customers: Int
    }

    /// Writes the site into `directory` (created when missing), replacing the files it wrote
    /// before; anything else there is left alone.
    public static func write(_ outcome: ReportRun.Outcome, to directory: String) throws -> Written {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw RunError(description: "error: '\(directory)' is a file; give --html a directory to write the report into")
        }
        let customersDirectory = directory + "/customers", valuesDirectory = directory + "/values"
        for folder in [customersDirectory, valuesDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw RunError(description: "error: cannot create '\(folder)': \(error.localizedDescription)")
            }
        }
        let model = ReportModel(outcome)
        try save(ReportPages.index(model), to: directory + "/index.html")
        try save(ReportAssets.css, to: directory + "/report.css")
        try save(ReportAssets.search(model), to: directory + "/search.js")
        try save(ReportAssets.report, to: directory + "/report.js")
        let codes = model.customerCodes
        let failures = parallelChunks(codes.count, chunkSize: 64) { range -> String? in
            for index in range {
                let code = codes[index]
                do {
                    try save(ReportPages.customer(code, model), to: customersDirectory + "/" + ReportModel.fileName(code))
                    try save(ReportAssets.values(code, model), to: valuesDirectory + "/" + ReportModel.scriptName(code))
                } catch {
                    return "\(error)"
                }
            }
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw RunError(description: failure) }
        return Written(directory: directory, pages: codes.count + 1, customers: codes.count)
    }

    static func save(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw RunError(description: "error: cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// "Wrote the report to site/: 1 overview and 9 customer pages."
    public static func summary(_ written: Written) -> String {
        "Wrote the report to \(written.directory)/: 1 overview and \(written.customers) customer page\(written.customers == 1 ? "" : "s"). Open \(written.directory)/index.html in a browser.\n"
    }
}
