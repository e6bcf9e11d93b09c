import Foundation

/// Why the simulated engine stopped: printed as "provisor-simulated-engine: …", exit status 1.
public struct SimulatedEngineError: Error, CustomStringConvertible {
    public var description: String
}
