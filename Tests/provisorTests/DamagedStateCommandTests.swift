import Foundation
import Testing

/// A state file that is empty, foreign or damaged is refused by every command, never taken as
/// an empty state (which would plan to provision the whole estate again) and never written.
@Suite struct DamagedStateCommandTests {
    @Test func anEmptyStateFileStopsPlanAndReconcileAndStaysEmpty() throws {
        try withExampleCopy { directory in
            let state = directory.appendingPathComponent("state.db").path
            #expect(FileManager.default.createFile(atPath: state, contents: Data()))
            let expected =
                "error: '\(state)' is not a Provisor state: the file is empty (0 bytes). Nothing was read or written; check --state (or state: in provisor.yaml), and to start a new state name a file that does not exist yet\n"
            for command in [["plan"], ["reconcile", "--simulate", directory.appendingPathComponent("engines").path], ["history"], ["drift"]] {
                let run = try provisor(command + ["--config", "provisor.yaml", "--state", state], in: directory, environment: Rehearsal.secrets)
                #expect(run.status == 1 && run.stderr.hasSuffix(expected), "\(command): \(run.stdout)\(run.stderr)")
                #expect(!run.stdout.contains("to create"), "\(command) planned against an empty state")
            }
            #expect(try FileManager.default.attributesOfItem(atPath: state)[.size] as? Int == 0)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("engines").path), "nothing was sent")
        }
    }

    /// A plan only reads: the state's bytes are the same afterwards, and a state the run may not
    /// write (immutable, where the file system allows marking it so) can still be planned against.
    @Test func aPlanWritesNothingToTheStateAndWorksOnOneItMayNotWrite() async throws {
        try await withRehearsal { rehearsal in
            #expect(try rehearsal.reconcile().status == 0)
            try rehearsal.edit("customers/att/customer.yaml") { $0.replacingOccurrences(of: "name: Acme Test Tenant", with: "name: Acme Test Tenant 2") }
            let before = try Data(contentsOf: URL(fileURLWithPath: rehearsal.state))
            for command in [["plan"], ["history"], ["state", "list"]] {
                let run = try provisor(
                    command + (command == ["plan"] ? ["--config", "provisor.yaml"] : []) + ["--state", rehearsal.state], in: rehearsal.directory)
                #expect(run.status == (command == ["plan"] ? 2 : 0), "\(command): \(run.stderr)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: rehearsal.state)) == before, "not a byte of the state changed")

            let locked = Process()
            locked.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            locked.arguments = ["+i", rehearsal.state]
            locked.standardError = FileHandle.nullDevice
            guard (try? locked.run()) != nil else { return }
            locked.waitUntilExit()
            guard locked.terminationStatus == 0 else { return }  // no immutable files here
            defer {
                let unlock = Process()
                unlock.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
                unlock.arguments = ["-i", rehearsal.state]
                try? unlock.run()
                unlock.waitUntilExit()
            }
            let plan = try provisor(["plan", "--config", "provisor.yaml", "--state", rehearsal.state], in: rehearsal.directory)
            #expect(plan.status == 2 && plan.stdout.contains("~ customer/ATT"), "\(plan.stdout)\(plan.stderr)")
        }
    }
}
