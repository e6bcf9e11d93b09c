import Foundation
import ProvisorCore
import ProvisorRuntime

/// The progress line on a terminal: "[ 120/400] 118 succeeded · 1 failed · 1 skipped" (and
/// "· 2 waiting" when an engine has not answered yet),
/// redrawn at most ten times a second. Silent when standard error is not a terminal.
public final class ApplyProgress: @unchecked Sendable {
    private let output: Terminal
    private let enabled: Bool
    private let lock = NSLock()
    private var total = 0
    private var counts = (succeeded: 0, failed: 0, skipped: 0, waiting: 0)
    /// When the line was last drawn (measured on a clock no change of date moves).
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    public init(output: Terminal) {
        self.output = output
        enabled = isatty(output.descriptor) == 1
    }

    public func start(total: Int) {
        lock.withLock {
            self.total = total
            counts = (0, 0, 0, 0)
        }
    }

    public var record: @Sendable (Applier.Result) -> Void {
        { [self] result in
            lock.withLock {
                switch result.outcome {
                case .succeeded: counts.succeeded += 1
                case .failed: counts.failed += 1
                case .skipped: counts.skipped += 1
                case .awaiting: counts.waiting += 1
                }
                if enabled, lastDrawn.map({ $0.duration(to: .now) >= .milliseconds(100) }) ?? true { draw() }
            }
        }
    }

    /// Draws the last state and ends the line.
    public func finish() {
        lock.withLock {
            guard enabled, drawn else { return }
            draw()
            output.write("\n")
            drawn = false
        }
    }

    private func draw() {
        let done = counts.succeeded + counts.failed + counts.skipped + counts.waiting
        let width = String(max(total, done)).count
        let position = String(repeating: " ", count: max(0, width - String(done).count)) + "\(done)"
        let of = total > 0 ? "/\(total)" : ""
        output.write(
            "\r\u{1B}[2K[\(position)\(of)] \(counts.succeeded) succeeded · \(counts.failed) failed · \(counts.skipped) skipped"
                + (counts.waiting > 0 ? " · \(counts.waiting) waiting" : ""))
        lastDrawn = ContinuousClock.now
        drawn = true
    }
}
