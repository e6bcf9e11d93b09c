// Benchmark helper: records every resource the manifests resolve to in a SQLite state, as if
// all of it had been applied, so a no-op plan can be measured before apply exists.
// Usage: provisor-record-state MANIFESTS_DIR STATE_DB
import Foundation
import ProvisorCore
import ProvisorSQLite

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: provisor-record-state MANIFESTS_DIR STATE_DB\n".utf8))
    exit(1)
}
let report = try ManifestPipeline.run(DirectorySource(root: arguments[1]))
guard report.isValid else {
    FileHandle.standardError.write(Data("error: the manifests are not valid (run provisor validate)\n".utf8))
    exit(1)
}
let clock = ContinuousClock()
let start = clock.now
let store = try SQLiteStateStore(path: arguments[2])
let header = try await store.commit(StateWrite(upserts: report.desired.resources.map(StateWrite.Resource.init), at: WallClock.system.now()))
print("recorded \(header.resourceCount) resources at serial \(header.serial) in \(clock.now - start)")
