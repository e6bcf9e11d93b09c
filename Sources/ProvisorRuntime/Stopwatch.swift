/// How long each stage of a run took, for `--timings`; measured on a clock no change of date
/// moves.
public struct Stopwatch: Sendable {
    public private(set) var stages: [(stage: String, duration: Duration)]
    private var start = ContinuousClock.now

    /// Starts timing, after the stages already measured (loading and validating).
    public init(after stages: [(stage: String, duration: Duration)] = []) {
        self.stages = stages
    }

    /// Ends the stage running since the last lap.
    public mutating func lap(_ stage: String) {
        let now = ContinuousClock.now
        stages.append((stage, now - start))
        start = now
    }

    /// Starts the next stage now: what ran since the last lap is not counted.
    public mutating func restart() {
        start = ContinuousClock.now
    }

    /// Records a stage measured elsewhere (one that ran alongside another).
    public mutating func add(_ stage: String, _ duration: Duration) {
        stages.append((stage, duration))
    }
}
