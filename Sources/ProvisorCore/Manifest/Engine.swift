/// A named provisioning engine and the adapter that talks to it.
public struct Engine: Sendable, Hashable {
    public enum Adapter: String, Sendable, Hashable, CaseIterable {
        case exec
        case http
        case outbox
        case simulated
        case amqp
    }

    /// `exec`: a program speaking JSON lines on stdin/stdout.
    public struct ExecSettings: Sendable, Hashable {
        public var command: [String]
        public var timeoutSeconds: Int?
        public var workingDirectory: String?
        /// Variables added to the program's environment, in the order written.
        public var environment: [EnvironmentVariable] = []
    }

    /// One variable of an exec engine's environment: a value, or a secret read when the engine
    /// starts (never kept in the state, plans or logs).
    public struct EnvironmentVariable: Sendable, Hashable {
        public enum Value: Sendable, Hashable {
            case text(String)
            case secret(SecretRef)
        }

        public var name: String
        public var value: Value
    }

    /// `http`: a webhook that receives each message as a signed JSON POST.
    public struct HTTPSettings: Sendable, Hashable {
        public var url: String
        public var timeoutSeconds: Int?
        public var maxRetries: Int?
        public var signingSecret: SecretRef?
        /// A GET endpoint answering `{"resources": [...]}`: what the engine holds, for drift.
        public var observeURL: String?
        /// A GET endpoint answering `{"subscriptions": [...]}`: the licence subscriptions the
        /// engine holds, for right-sizing.
        public var subscriptionsURL: String?
    }

    /// `outbox`: a durable queue for a downstream consumer, optionally exported as JSON lines.
    public struct OutboxSettings: Sendable, Hashable {
        public var export: String?
    }

    /// `simulated`: the bundled engine with a tenant model kept on disk.
    public struct SimulatedSettings: Sendable, Hashable {
        public var stateDirectory: String?
    }

    /// `amqp`: messages published to a RabbitMQ queue the engine consumes, answers on a reply queue.
    public struct AMQPSettings: Sendable, Hashable {
        /// amqp://HOST:PORT/VHOST or amqps://…, without credentials.
        public var url: String
        public var user: String?
        public var password: SecretRef?
        /// The engine's queue (default: the engine's name).
        public var queue: String?
        /// How long an answer is waited for.
        public var timeoutSeconds: Int?
        /// How often an unanswered message is sent again in the same run.
        public var maxRetries: Int?
        /// PEM files, relative to provisor.yaml: the CA of the broker's certificate, and a client
        /// certificate with its key.
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
    }

    /// A Microsoft CSP engine's Partner Center region and the markets it may provision into.
    public struct CSPSettings: Sendable, Hashable {
        public var region: String
        public var markets: [String]
    }

    public var name: Located<String>
    public var adapter: Adapter
    public var description: String?
    public var exec: ExecSettings?
    public var http: HTTPSettings?
    public var outbox: OutboxSettings?
    public var simulated: SimulatedSettings?
    public var amqp: AMQPSettings?
    public var csp: CSPSettings?
    public var location: SourceLocation

    static let metadataFields = ["name", "labels", "annotations"]
    static let specFields = ["adapter", "description", "exec", "http", "outbox", "simulated", "amqp", "csp"]

    init?(_ document: ManifestDocument) {
        let context = document.context
        guard let name = document.metadata.formatted("name", .slug),
            let spec = document.spec(known: Self.specFields, required: ["adapter"]),
            let adapter = spec.choice("adapter", as: Adapter.self)
        else { return nil }
        self.name = name
        self.adapter = adapter
        description = spec.text("description")
        location = document.location

        exec = spec.mapping("exec", known: ["command", "timeoutSeconds", "workingDirectory", "environment"], required: ["command"]).map { reader in
            let command = reader.stringList("command") ?? []
            if command.isEmpty, let node = reader["command"] {
                context.error(node, "'command' must name the program to run", hint: "write command: [./engines/platform.sh]")
            }
            return ExecSettings(
                command: command.map(\.value), timeoutSeconds: reader.int("timeoutSeconds", minimum: 1),
                workingDirectory: reader.text("workingDirectory"), environment: reader["environment"].map { Self.environment($0, context) } ?? [])
        }
        let httpFields = ["url", "timeoutSeconds", "maxRetries", "signingSecret", "observeUrl", "subscriptionsUrl"]
        http = spec.mapping("http", known: httpFields, required: ["url"]).flatMap { reader in
            guard let url = reader.string("url") else { return nil }
            let observeURL = reader.string("observeUrl"), subscriptionsURL = reader.string("subscriptionsUrl")
            for (field, given) in [("url", url), ("observeUrl", observeURL), ("subscriptionsUrl", subscriptionsURL)] {
                guard let given, !(given.value.hasPrefix("https://") || given.value.hasPrefix("http://")) else { continue }
                context.error(reader[field]!, "'\(field)' must be an http:// or https:// address, found '\(given.value)'")
            }
            return HTTPSettings(
                url: url.value, timeoutSeconds: reader.int("timeoutSeconds", minimum: 1),
                maxRetries: reader.int("maxRetries", minimum: 0),
                signingSecret: reader["signingSecret"].flatMap { context.secretRef($0, "signingSecret") },
                observeURL: observeURL?.value, subscriptionsURL: subscriptionsURL?.value)
        }
        outbox = spec.mapping("outbox", known: ["export"]).map { OutboxSettings(export: $0.text("export")) }
        simulated = spec.mapping("simulated", known: ["stateDirectory"]).map { SimulatedSettings(stateDirectory: $0.text("stateDirectory")) }
        let amqpFields = ["url", "user", "password", "queue", "timeoutSeconds", "maxRetries", "caFile", "certFile", "keyFile"]
        amqp = spec.mapping("amqp", known: amqpFields, required: ["url"]).flatMap { reader in
            guard let url = reader.string("url") else { return nil }
            if !(url.value.hasPrefix("amqp://") || url.value.hasPrefix("amqps://")) {
                context.error(reader["url"]!, "'url' must be an amqp:// or amqps:// address, found '\(url.value)'")
            } else if url.value.wholeMatch(of: /amqps?:\/\/[^\/@]*:[^\/@]*@.*/) != nil {
                context.error(
                    reader["url"]!, "'url' holds a password; secrets never live in git",
                    hint: "write the address without credentials, with user: NAME and password: { secretRef: \"env:NAME\" }")
            }
            if url.value.hasPrefix("amqps://"), reader["caFile"] == nil {
                context.error(
                    reader["url"]!, "an amqps:// broker needs caFile, the CA its certificate is verified against",
                    hint: "add caFile: /etc/ssl/certs/ca-certificates.crt for a public CA, or the PEM file of your own")
            }
            if reader["certFile"] != nil, reader["keyFile"] == nil {
                context.error(reader["certFile"]!, "a client certificate needs its key", hint: "add keyFile: the PEM file of its private key")
            }
            if let queue = reader.string("queue"), queue.value.hasSuffix(".replies") {
                context.error(
                    reader["queue"]!, "queue '\(queue.value)' ends in .replies, which Provisor keeps for engines' answers (<queue>.replies)",
                    hint: "name the engine's queue without that ending")
            }
            if let queue = reader.string("queue"), queue.value.hasSuffix(".owner") {
                context.error(
                    reader["queue"]!, "queue '\(queue.value)' ends in .owner, which Provisor keeps for the state a queue belongs to (<queue>.owner)",
                    hint: "name the engine's queue without that ending")
            }
            return AMQPSettings(
                url: url.value, user: reader.text("user"), password: reader["password"].flatMap { context.secretRef($0, "password") },
                queue: reader.text("queue"), timeoutSeconds: reader.int("timeoutSeconds", minimum: 1),
                maxRetries: reader.int("maxRetries", minimum: 0), caFile: reader.text("caFile"),
                certFile: reader.text("certFile"), keyFile: reader.text("keyFile"))
        }
        csp = spec.mapping("csp", known: ["region", "markets"], required: ["region", "markets"]).flatMap { reader in
            guard let region = reader.text("region") else { return nil }
            let markets =
                (reader["markets"]).map { node in
                    (context.stringList(node, "markets")).compactMap { market -> String? in
                        guard Format.country.matches(market.value) else {
                            context.diagnostics.append(
                                .error(
                                    at: market.location, "'markets[]' is not a valid country code: '\(market.value)'",
                                    hint: "use \(Format.country.explanation)"))
                            return nil
                        }
                        return market.value
                    }
                } ?? []
            return CSPSettings(region: region, markets: markets)
        }

        let given: [(Adapter, Bool)] = [
            (.exec, exec != nil || spec["exec"] != nil), (.http, http != nil || spec["http"] != nil),
            (.outbox, spec["outbox"] != nil), (.simulated, spec["simulated"] != nil), (.amqp, spec["amqp"] != nil),
        ]
        for (other, present) in given where present && other != adapter {
            context.error(
                spec[other.rawValue]!, "settings for adapter '\(other.rawValue)' given, but this engine's adapter is '\(adapter.rawValue)'",
                hint: "remove '\(other.rawValue):' or change 'adapter' to \(other.rawValue)")
        }
        if adapter == .exec || adapter == .http || adapter == .amqp, spec[adapter.rawValue] == nil {
            context.error(spec.node, "adapter '\(adapter.rawValue)' needs its settings", hint: "add '\(adapter.rawValue):' to spec")
        }
    }

    /// `environment: { NAME: value, SECRET: { secretRef: "env:NAME" } }`.
    static func environment(_ node: YAMLNode, _ context: DecodeContext) -> [EnvironmentVariable] {
        guard case .mapping(let entries) = node.content else {
            context.error(node, "'environment' must be a mapping of variable names to values", hint: "write environment: { NAME: value }")
            return []
        }
        return entries.compactMap { entry in
            guard let name = entry.key.scalar?.text, name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil else {
                context.error(
                    entry.key, "'\(entry.key.scalar?.text ?? "")' is not an environment variable name",
                    hint: "use letters, digits and underscores, not starting with a digit")
                return nil
            }
            if let scalar = entry.value.scalar { return EnvironmentVariable(name: name, value: .text(scalar.text)) }
            return context.secretRef(entry.value, "environment.\(name)").map { EnvironmentVariable(name: name, value: .secret($0)) }
        }
    }
}
