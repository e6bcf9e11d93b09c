import Foundation
import ProvisorAMQP
import ProvisorCore

/// Builds one adapter per Engine manifest.
public enum EngineAdapterFactory {
    public struct Settings: Sendable {
        /// Relative commands, working directories and files are taken from here (the folder of
        /// provisor.yaml).
        public var directory: String
        /// How many engine processes an exec engine may run at once.
        public var processes: Int
        public var secrets: SecretResolver
        /// The state database's outbox, for `outbox` engines.
        public var outbox: (any OutboxStore)?
        /// When set, every engine is the simulated engine, with its model in `<this>/<engine>`
        /// (a rehearsal: `reconcile --simulate DIR`).
        public var simulateInto: String?
        /// The time readings and outbox messages record.
        public var clock: WallClock
        /// When set, the simulated engines' clock stands at this date for the run (`rightsize
        /// --at` in a rehearsal); otherwise each keeps the clock recorded in its state directory,
        /// or the machine's.
        public var simulatedDate: Date?

        public init(
            directory: String, processes: Int = 8, secrets: SecretResolver, outbox: (any OutboxStore)?, simulateInto: String? = nil,
            clock: WallClock, simulatedDate: Date? = nil
        ) {
            self.directory = directory
            self.processes = processes
            self.secrets = secrets
            self.outbox = outbox
            self.simulateInto = simulateInto
            self.clock = clock
            self.simulatedDate = simulatedDate
        }

        /// `relative` from `directory`, written once: `./engines/x.sh`, never `././engines/x.sh`.
        func path(_ relative: String) -> String {
            guard !relative.hasPrefix("/") else { return relative }
            var relative = relative
            while relative.hasPrefix("./") { relative.removeFirst(2) }
            return directory == "." || directory.isEmpty ? "./" + relative : (directory as NSString).appendingPathComponent(relative)
        }
    }

    /// The adapters by engine name. An engine that cannot be set up (a signing secret that
    /// cannot be read) gets an adapter that fails every message with the reason, before
    /// anything is sent, so the other engines' work still goes ahead.
    public static func make(_ engines: [Engine], settings: Settings) -> [String: any EngineAdapter] {
        var adapters: [String: any EngineAdapter] = [:]
        for engine in engines {
            adapters[engine.name.value] = make(engine, settings: settings)
        }
        return adapters
    }

    /// The engine's adapter; when it was set up with secrets, every text it says back has them
    /// taken out (`RedactingAdapter`).
    static func make(_ engine: Engine, settings: Settings) -> any EngineAdapter {
        var secrets: [String] = []
        let adapter = make(engine, settings: settings, secrets: &secrets)
        return secrets.isEmpty ? adapter : RedactingAdapter(adapter, redacting: Redaction(secrets))
    }

    static func make(_ engine: Engine, settings: Settings, secrets: inout [String]) -> any EngineAdapter {
        let name = engine.name.value
        if let rehearsal = settings.simulateInto {
            return simulated(name, directory: (rehearsal as NSString).appendingPathComponent(name), settings: settings)
        }
        switch engine.adapter {
        case .exec:
            guard let exec = engine.exec, let program = exec.command.first else {
                return UnavailableAdapter(reason: "engine '\(name)' has no exec command")
            }
            let command = [program.contains("/") ? settings.path(program) : program] + exec.command.dropFirst()
            var environment: [String: String]?
            if !exec.environment.isEmpty || engine.csp != nil {
                var variables = ProcessInfo.processInfo.environment
                if let csp = engine.csp {
                    variables["PROVISOR_CSP_REGION"] = csp.region
                    variables["PROVISOR_CSP_MARKETS"] = csp.markets.joined(separator: ",")
                }
                for variable in exec.environment {
                    switch variable.value {
                    case .text(let text): variables[variable.name] = text
                    case .secret(let reference):
                        do {
                            let value = try settings.secrets.resolve(reference.description)
                            variables[variable.name] = value
                            secrets.append(value)
                        } catch {
                            return UnavailableAdapter(reason: "nothing sent: the environment variable \(variable.name) of engine '\(name)': \(error)")
                        }
                    }
                }
                environment = variables
            }
            return ExecAdapter(
                engine: name, command: command, workingDirectory: settings.path(exec.workingDirectory ?? "."),
                timeout: Double(exec.timeoutSeconds ?? 60), processes: settings.processes, environment: environment, clock: settings.clock)
        case .http:
            guard let http = engine.http else { return UnavailableAdapter(reason: "engine '\(name)' has no http settings") }
            var secret: String?
            if let reference = http.signingSecret {
                do {
                    secret = try settings.secrets.resolve(reference.description)
                    secrets += secret.map { [$0] } ?? []
                } catch {
                    return UnavailableAdapter(reason: "nothing sent: the signing key of engine '\(name)': \(error)")
                }
            }
            return HTTPAdapter(
                engine: name, url: http.url, observeURL: http.observeURL, subscriptionsURL: http.subscriptionsURL, timeout: Double(http.timeoutSeconds ?? 30),
                maxRetries: http.maxRetries ?? 5,
                signingSecret: secret,
                clock: settings.clock)
        case .outbox:
            guard let store = settings.outbox else {
                // Reading back needs no store: an outbox is never read, whatever the backend.
                return UnavailableAdapter(
                    reason: "engine '\(name)' is an outbox, and this state backend has no outbox table",
                    observation: .unsupported(OutboxAdapter.cannotReadBack(name)))
            }
            return OutboxAdapter(engine: name, store: store, export: engine.outbox?.export.map(settings.path), clock: settings.clock)
        case .simulated:
            return simulated(name, directory: settings.path(engine.simulated?.stateDirectory ?? ".provisor/simulated/\(name)"), settings: settings)
        case .amqp:
            guard let amqp = engine.amqp else { return UnavailableAdapter(reason: "engine '\(name)' has no amqp settings") }
            var address: AMQPAddress
            switch AMQPAddress.parse(amqp.url) {
            case .success(let parsed): address = parsed
            case .failure(let error): return UnavailableAdapter(reason: "nothing sent: engine '\(name)': \(error)")
            }
            if let user = amqp.user { address.user = user }
            if let reference = amqp.password {
                do {
                    let password = try settings.secrets.resolve(reference.description)
                    address.password = password
                    secrets.append(password)
                } catch {
                    return UnavailableAdapter(reason: "nothing sent: the broker password of engine '\(name)': \(error)")
                }
            }
            address.caCertificate = amqp.caFile.map(settings.path)
            address.clientCertificate = amqp.certFile.map(settings.path)
            address.clientKey = amqp.keyFile.map(settings.path)
            if address.caCertificate != nil { address.tls = true }
            return AMQPAdapter(
                engine: name, address: address, queue: amqp.queue ?? name, timeout: Double(amqp.timeoutSeconds ?? 30),
                maxRetries: amqp.maxRetries ?? 5, clock: settings.clock)
        }
    }

    /// The bundled simulated engine: one process, since it keeps its model in one directory.
    static func simulated(_ name: String, directory: String, settings: Settings) -> ExecAdapter {
        var command = [SimulatedEngineProgram.executable(), "--state-dir", directory, "--engine", name]
        if let date = settings.simulatedDate { command += ["--now", date.formatted(.iso8601)] }
        return ExecAdapter(engine: name, command: command, timeout: 60, processes: 1, clock: settings.clock)
    }
}
