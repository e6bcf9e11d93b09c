import Foundation
import Testing

/// A state file that is empty, foreign or damaged is refused by every command, never taken as
/// an empty state (which would plan to provision the whole estate again) and never written.
@Suite struct DamagedStateCommandTests {
    @Test func anEmptyStateFileStopsPlanAndReconcileAndStaysEmpty() throws {
        try withExampleCopy { directory in
            let state = directory.appendingPathComponent("state.db").path
            #expect(FileManager.default.createFile(atPath: state, contents: Data()))
            let expected = "error: '\(state)' is not a Provisor state: the file is empty (0 bytes). Nothing was read or written; check --state (or state: in provisor.yaml), and to start a new state name a file that does not exist yet\n"
            for command in [["plan"], ["reconcile", "--simulate", directory.appendingPathComponent("engines").path], ["history"], ["drift"]] {
                let run = try provisor(command + ["--config", "provisor.yaml", "--state", state], in: directory, environment: Rehearsal.secrets)
                #expect(run.status == 1 && run.stderr.hasSuffix(expected), "\(command): \(run.stdout)\(run.stderr)")
                #expect(!run.stdout.contains("to create"), "\(command) planned against an empty state")
            }
            #expect(try FileManager.default.attributesOfItem(atPath: state)[.size] as? Int == 0)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("engines").path), "nothing was sent")
        }
    }
}
