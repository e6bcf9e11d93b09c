import Foundation

/// What `--timings` prints on standard error: "timings: load 0.123 s, validate …".
public enum TimingsView {
    public static func line(_ timings: [(stage: String, duration: Duration)]) -> String {
        let stages = timings.map { timing in
            let seconds = Double(timing.duration.components.seconds) + Double(timing.duration.components.attoseconds) / 1e18
            return "\(timing.stage) \(String(format: "%.3f", seconds)) s"
        }
        return "timings: \(stages.joined(separator: ", "))\n"
    }
}
