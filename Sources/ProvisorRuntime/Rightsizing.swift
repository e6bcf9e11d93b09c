import Foundation
import ProvisorCore

/// What `rightsize` reads and decides, between the engines and the views.
public enum Rightsizing {
    /// One engine's subscriptions and the resources it holds (for the assignments).
    public struct Readings: Sendable {
        public var subscriptions: [String: [Subscription]] = [:]
        public var observed: [ObservedResource] = []
        public var failures: [(engine: String, reason: String)] = []
    }

    /// The engines the manifests route licensed user services to.
    public static func licensedEngines(_ desired: DesiredState) -> Set<String> {
        var engines = Set<String>()
        for resource in desired.resources where resource.kind == .userService && resource[AttributeName.licenseSKU] != nil {
            engines.insert(resource.engine)
        }
        return engines
    }

    /// Reads every engine's subscriptions and resources at once. An engine either gives both
    /// or is a failure: without its assignments, decreases could take licences in use.
    public static func read(_ adapters: [String: any EngineAdapter], engines: Set<String>) async -> Readings {
        var readings = Readings()
        for engine in engines.sorted() where adapters[engine] == nil {
            readings.failures.append((engine, "no Engine manifest names it, so its licences cannot be read"))
        }
        let licensed = adapters.filter { engines.contains($0.key) }
        let answers = await EngineReadings.ask(licensed) { adapter in
            async let subscriptions = adapter.subscriptions()
            async let observation = adapter.observe()
            return (await subscriptions, await observation)
        }
        for (engine, (subscriptions, observation)) in answers.sorted(by: { $0.key < $1.key }) {
            switch (subscriptions, observation) {
            case (.read(let held), .observed(let resources, _)):
                readings.subscriptions[engine] = held
                readings.observed += resources
            case (.unreadable(let reason), _), (.unsupported(let reason), _):
                readings.failures.append((engine, "its licence subscriptions cannot be read: \(reason)"))
            case (_, .unreadable(let reason)), (_, .unsupported(let reason)):
                readings.failures.append((engine, "its licence assignments cannot be read: \(reason)"))
            }
        }
        return readings
    }

    public static func decide(_ manifests: ManifestPipeline.Report, readings: Readings, customer: String?, at date: Date) -> RightsizingReport {
        let subscriptions = readings.subscriptions.values.joined().filter { customer == nil || $0.customer == customer }
        let groups = LicenseBook.groups(manifests.resolution, subscriptions: Array(subscriptions), observed: readings.observed)
        let outcomes = parallelMap(groups.count) { Rightsizer.decide(groups[$0], at: date) }
        return RightsizingReport(outcomes, at: date, desired: manifests.desired)
    }
}
