import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorEngines
import ProvisorSQLite

struct RightsizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rightsize",
        abstract: "Right-size Microsoft 365 licences: buy what is missing, take back what is not billed, and report the margin.",
        discussion: """
            Reads each licensed engine's subscriptions and assignments (licences assigned by hand count), decides per \
            subscription under the right-sizing policy of the plan that sells its SKU, and reports the monthly margin \
            per customer, per reseller and for the provider, before and after. Applying sends adjust-subscription \
            messages under the state lock, through the journal and the audit log. Exit status: with --dry-run 0 when \
            nothing would change and 2 when something would; applying, 0 when everything applied; 1 on an error, a \
            failed change, or an engine that could not be read.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, markdown, csv
    }

    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var state: StateOptions

    @Flag(name: .long, help: "Only decide and report: change nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Decide as on this date (2026-11-21 or 2026-11-21T09:00:00Z) instead of now; with --dry-run, or in a rehearsal.", valueName: "DATE"))
    var at: String?

    @Option(name: .long, help: ArgumentHelp("Only this customer's licences.", valueName: "CODE"))
    var customer: String?

    @Option(name: .long, help: "Output format: human, json, markdown or csv.")
    var format: Format = .human

    @Option(name: .long, help: ArgumentHelp("Rehearse against the simulated engines a rehearsal (reconcile --simulate DIR) keeps under DIR/<engine>; needs --state.", valueName: "DIR"))
    var simulate: String?

    @Option(name: .long, help: "Who the audit log names for these changes (default: the OS user).")
    var actor: String?

    @Option(name: .long, help: "How many customers are worked on at once.")
    var concurrency: Int = 8

    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false

    func validate() throws {
        if simulate != nil, state.state == nil { throw ValidationError(Refresh.simulateNeedsState) }
        if at != nil, !dryRun, simulate == nil {
            throw ValidationError("--at decides for another date; a real run decides for now, so use --at with --dry-run or in a rehearsal (--simulate)")
        }
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
    }

    func run() async throws {
        try await runReportingFailures {
            let clock = ContinuousClock()
            let pinned = try at.map { text in
                guard let parsed = ISODate.parse(text) else {
                    throw CommandFailure(description: "error: --at '\(text)' is not a date; write it like 2026-11-21 or 2026-11-21T09:00:00Z")
                }
                return parsed
            }
            var workspace = try Workspace.open(manifests, state: state)
            // A rehearsal runs wholly on that date: the decisions, the journal and audit log,
            // and the simulated engines' calendar.
            if let pinned { workspace.clock = .pinned(pinned) }
            let date = workspace.clock.now()
            let report = try workspace.validate()
            guard report.isValid else {
                throw CommandFailure(description: "error: the manifests are not valid, so nothing was right-sized (run provisor validate and fix the errors above)",
                                     diagnostics: report.diagnostics)
            }
            if let customer, report.desired.resource(at: .customer(customer)) == nil {
                throw CommandFailure(description: "error: no customer '\(customer)' in the manifests (check --customer; codes are case-sensitive)")
            }
            var stages = report.timings
            var start = clock.now
            func lap(_ stage: String) {
                stages.append((stage, clock.now - start))
                start = clock.now
            }
            let engines = Rightsizing.licensedEngines(report.desired)
            // A dry run opens no state: it neither creates one nor takes the lock.
            let store: ProvisorState? = dryRun ? nil : try await workspace.openState()
            let secrets = SecretResolver(directory: workspace.directory)
            let adapters = EngineAdapters.make(report.estate.engines.filter { engines.contains($0.name.value) }, settings: .init(
                directory: workspace.directory, processes: 1, secrets: secrets, outbox: store, simulateInto: simulate,
                clock: workspace.clock, simulatedDate: pinned))
            let options = Applier.Options(concurrency: concurrency, actor: actor ?? LockRequest.currentUser, commit: workspace.commit,
                                          clock: workspace.clock)
            let adjuster = store.map { SubscriptionAdjuster(store: $0, adapters: adapters, secrets: secrets, options: options) }

            let lock = try await store?.acquireLock(.thisProcess(operation: "rightsize", clock: workspace.clock))
            let outcome: Result<Int32, Error>
            do {
                var resumed: [SubscriptionAdjuster.Result] = []
                if let adjuster { resumed = try await adjuster.resume(desired: report.desired) }
                let readings = await Rightsizing.read(adapters, engines: engines)
                lap("read engines")
                let decided = Rightsizing.decide(report, readings: readings, customer: customer, at: date)
                lap("decide")
                let output = Terminal.standardOutput
                var results = resumed
                if let adjuster, !decided.changes.isEmpty {
                    results += try await adjuster.apply(decided.changes, desired: report.desired)
                    lap("apply")
                }
                let context = RightsizeView.Context(readings: readings, results: results, dryRun: dryRun)
                switch format {
                case .json: output.write(RightsizeView.json(decided, context))
                case .markdown: output.write(RightsizeView.markdown(decided, context))
                case .csv: output.write(RightsizeView.csv(decided))
                case .human: output.write(RightsizeView.human(decided, context, colour: output.isColour))
                }
                lap("render")
                if !readings.failures.isEmpty {
                    throw CommandFailure(description: readings.failures.map { "error: \($0.engine): \($0.reason)" }.joined(separator: "\n")
                                         + "\nThe customers on \(readings.failures.count == 1 ? "that engine were" : "those engines were") not right-sized.")
                }
                if dryRun {
                    outcome = .success(decided.changes.isEmpty ? 0 : 2)
                } else {
                    outcome = .success(results.contains { $0.outcome != .succeeded } ? 1 : 0)
                }
            } catch {
                outcome = .failure(error)
            }
            for adapter in adapters.values { await adapter.shutdown() }
            if let lock { try await store?.releaseLock(lock) }
            if timings { Terminal.standardError.write(timingLine(stages)) }
            return try outcome.get()
        }
    }
}

/// What `rightsize` reads and decides, between the engines and the views.
enum Rightsizing {
    /// One engine's subscriptions and the resources it holds (for the assignments).
    struct Readings {
        var subscriptions: [String: [Subscription]] = [:]
        var observed: [ObservedResource] = []
        var failures: [(engine: String, reason: String)] = []
    }

    /// The engines the manifests route licensed user services to.
    static func licensedEngines(_ desired: DesiredState) -> Set<String> {
        var engines = Set<String>()
        for resource in desired.resources where resource.kind == .userService && resource["plan.license.sku"] != nil {
            engines.insert(resource.engine)
        }
        return engines
    }

    /// Reads every engine's subscriptions and resources at once. An engine either gives both
    /// or is a failure: without its assignments, decreases could take licences in use.
    static func read(_ adapters: [String: any EngineAdapter], engines: Set<String>) async -> Readings {
        var readings = Readings()
        for engine in engines.sorted() where adapters[engine] == nil {
            readings.failures.append((engine, "no Engine manifest names it, so its licences cannot be read"))
        }
        let answers = await withTaskGroup(of: (String, SubscriptionReading, EngineObservation).self) { group in
            for (name, adapter) in adapters where engines.contains(name) {
                group.addTask {
                    async let subscriptions = adapter.subscriptions()
                    async let observation = adapter.observe()
                    return (name, await subscriptions, await observation)
                }
            }
            var all: [(String, SubscriptionReading, EngineObservation)] = []
            for await answer in group { all.append(answer) }
            return all.sorted { $0.0 < $1.0 }
        }
        for (engine, subscriptions, observation) in answers {
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

    static func decide(_ manifests: ManifestValidation.Report, readings: Readings, customer: String?, at date: Date) -> RightsizingReport {
        let subscriptions = readings.subscriptions.values.joined().filter { customer == nil || $0.customer == customer }
        let groups = LicenceBook.groups(manifests.resolution, subscriptions: Array(subscriptions), observed: readings.observed)
        let outcomes = parallelMap(groups.count) { Rightsizer.decide(groups[$0], at: date) }
        return RightsizingReport(outcomes, at: date, desired: manifests.desired)
    }
}
