import Foundation
import ProvisorCore

/// Where the bundled simulated engine is.
public enum SimulatedEngineProgram {
    public static let name = "provisor-simulated-engine"

    /// `PROVISOR_SIMULATED_ENGINE` when set, else the program beside the running provisor,
    /// else the name alone (looked up on PATH).
    public static func executable(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["PROVISOR_SIMULATED_ENGINE"], !path.isEmpty { return path }
        let running = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = running.deletingLastPathComponent().appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let beside = ((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        }
        return name
    }
}
