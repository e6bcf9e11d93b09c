import ArgumentParser
import Foundation
import ProvisorAMQP
import ProvisorEngineKit
import ProvisorSimulatedEngine

/// `provisor-simulated-engine`: serves Provisor's exec protocol on standard input and output
/// from the tenant model in its state directory, or shows or changes that model.
@main
struct SimulatedEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisor-simulated-engine",
        abstract: "A stand-in for a provisioning platform, speaking Provisor's exec protocol (docs/engines.md).",
        discussion: """
            Without an action it answers one JSON message per line on standard input with one result per line on \
            standard output. Its clock is --now, else the one recorded with --clock, else the machine's. A VALUE is \
            read as JSON when it is JSON (3, true, ["a"]), else as text. Failures are injected from the environment: \
            PROVISOR_SIMULATED_FAIL, _FLAKY, _DELAY_MS, _CRASH_AFTER and _UNREADABLE.
            """
    )

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the tenant model is kept.", valueName: "DIR"))
    var stateDirectory = ".provisor/simulated"

    @Option(help: ArgumentHelp("The engine's name, as the Engine manifest gives it.", valueName: "NAME"))
    var engine = "simulated"

    @Option(help: ArgumentHelp("The clock for this run only: 2026-11-21 or 2026-11-21T09:00:00Z.", valueName: "date"))
    var now: String?

    @Option(
        help: ArgumentHelp(
            "Serve the messages of a RabbitMQ queue instead of standard input (the password may come from PROVISOR_AMQP_PASSWORD).",
            valueName: "amqp-url"))
    var amqp: String?

    @Option(help: ArgumentHelp("The queue to serve with --amqp (default: the engine's name).", valueName: "name"))
    var queue: String?

    @Option(help: ArgumentHelp("With --amqp: the CA the broker's certificate is verified against (TLS).", valueName: "pem-file"))
    var ca: String?

    @Option(help: ArgumentHelp("With --amqp: a client certificate, and --key its private key.", valueName: "pem-file"))
    var cert: String?

    @Option(help: ArgumentHelp("With --cert: the client certificate's private key.", valueName: "pem-file"))
    var key: String?

    @Flag(help: "Print the tenant model as JSON and exit.")
    var show = false

    @Option(help: ArgumentHelp("Record the engine's clock in the state directory (system removes it) and exit.", valueName: "date"))
    var clock: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Change attributes of a resource it holds, out of band.", valueName: "ADDRESS NAME=VALUE"))
    var set: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Add a resource it does not hold, out of band.", valueName: "ADDRESS NAME=VALUE"))
    var add: [String] = []

    @Option(help: ArgumentHelp("Remove a resource and everything below it, out of band.", valueName: "ADDRESS"))
    var remove: String?

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Open or change a subscription: customer, sku, quantity, term, termEnd, trial, autoRenew, costPrice, renewalQuantity, billingCycle, addedAt.",
            valueName: "ID NAME=VALUE"))
    var subscription: [String] = []

    /// The out-of-band change asked for, if any.
    func change() throws -> SimulatedEngine.Change? {
        /// The address or id first, then NAME=VALUE fields.
        func split(_ values: [String], _ option: String, _ what: String) throws -> (String, [String: JSONValue]) {
            guard let first = values.first else { throw ValidationError("--\(option) needs \(what)") }
            var fields: [String: JSONValue] = [:]
            for assignment in values.dropFirst() {
                guard let equals = assignment.firstIndex(of: "=") else {
                    throw ValidationError("--\(option) takes NAME=VALUE after the \(what), not '\(assignment)'")
                }
                fields[String(assignment[..<equals])] = JSONValue(parsingOrText: String(assignment[assignment.index(after: equals)...]))
            }
            return (first, fields)
        }
        var changes: [SimulatedEngine.Change] = []
        if !set.isEmpty {
            let (address, fields) = try split(set, "set", "an address")
            changes.append(.set(address: address, fields))
        }
        if !add.isEmpty {
            let (address, fields) = try split(add, "add", "an address")
            changes.append(.add(address: address, fields))
        }
        if let remove { changes.append(.remove(address: remove)) }
        if !subscription.isEmpty {
            let (id, fields) = try split(subscription, "subscription", "an id")
            changes.append(.subscription(id: id, fields))
        }
        guard changes.count <= 1 else { throw ValidationError("make one change at a time: --set, --add, --remove or --subscription") }
        return changes.first
    }

    func validate() throws {
        let actions = [show, clock != nil, try change() != nil].filter { $0 }.count
        if actions > 1 { throw ValidationError("--show, --clock and a change (--set, --add, --remove, --subscription) each run alone") }
    }

    func run() throws {
        do {
            if let clock {
                try SimulatedEngine.recordClock(clock, in: stateDirectory)
                return
            }
            let simulated = try SimulatedEngine(directory: stateDirectory, name: engine, now: now, environment: ProcessInfo.processInfo.environment)
            if show {
                print(simulated.show())
            } else if let change = try change() {
                try simulated.make(change)
            } else if let amqp {
                var address: AMQPAddress
                switch AMQPAddress.parse(amqp) {
                case .success(let parsed): address = parsed
                case .failure(let error): throw ValidationError("--amqp: \(error)")
                }
                if let password = ProcessInfo.processInfo.environment["PROVISOR_AMQP_PASSWORD"], !password.isEmpty { address.password = password }
                address.caCertificate = ca
                address.clientCertificate = cert
                address.clientKey = key
                if ca != nil { address.tls = true }
                simulated.serve(amqp: address, queue: queue ?? engine)
            } else {
                simulated.serve { FileHandle.standardOutput.write(Data($0.utf8)) }
            }
        } catch let error as SimulatedEngineError {
            FileHandle.standardError.write(Data("provisor-simulated-engine: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
