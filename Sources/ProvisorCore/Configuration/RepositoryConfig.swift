import Foundation

/// `provisor.yaml` at a checkout's root: where the manifests are, which state backend to use,
/// the safety limits and delegation. Command-line options override every field.
public struct RepositoryConfig: Sendable, Hashable {
    public enum StateBackend: Sendable, Hashable {
        case sqlite(path: String)
        /// `url` is a `postgres://` URL (from `--state`) or a secret reference holding one;
        /// `password`, when given, is a secret reference.
        case postgres(url: String, password: String?)
    }

    public struct Safety: Sendable, Hashable {
        public var maxDeletes: Int = 50
        public var maxDeletePercent: Int = 20
    }

    /// Files matching `path` (a glob) may only touch the subtree of reseller `reseller`.
    public struct Owner: Sendable, Hashable {
        public var path: String
        public var reseller: String
        public var location: SourceLocation
    }

    public static let fileName = "provisor.yaml"
    public static let defaultManifests = "manifests"
    public static let defaultStatePath = ".provisor/state.db"

    public var manifests: String = RepositoryConfig.defaultManifests
    public var state: StateBackend = .sqlite(path: RepositoryConfig.defaultStatePath)
    public var safety = Safety()
    /// `delegation`: what each delegated reseller is granted, in the file's order.
    public var grants: [Grant] = []
    /// Every granted path with its reseller, in the file's order: the first that matches a file
    /// owns it.
    public var owners: [Owner] {
        grants.flatMap { grant in grant.paths.map { Owner(path: $0.value, reseller: grant.reseller.value, location: $0.location) } }
    }
    /// `drift.ignore`: attributes engines legitimately change, never reported as drift.
    public var driftIgnore: [DriftIgnoreRule] = []
    /// `notifications`: where runs tell what they found, in the file's order.
    public var notifications: [NotificationChannel] = []
    /// `policy`: programs that judge every plan, in the file's order.
    public var policies: [PolicyProgram] = []

    public init() {}

    static let fields = ["manifests", "state", "safety", "delegation", "owners", "drift", "notifications", "policy"]

    /// Parses `provisor.yaml`; problems come back as diagnostics at their file:line:col, and
    /// the config returned is then only the defaults plus what did parse.
    public static func parse(_ bytes: [UInt8], file: String) -> (config: RepositoryConfig, diagnostics: [Diagnostic]) {
        let parsed = YAMLParser.parse(bytes, file: file)
        let context = DecodeContext(file: file)
        context.diagnostics = parsed.diagnostics
        var config = RepositoryConfig()
        guard parsed.documents.count <= 1 else {
            context.error(parsed.documents[1].root, "provisor.yaml holds one document only", hint: "remove the extra '---' documents")
            return (config, context.diagnostics.sorted())
        }
        guard let root = parsed.documents.first?.root, let reader = context.mapping(root, "provisor.yaml", known: fields) else {
            return (config, context.diagnostics.sorted())
        }
        if let manifests = reader.text("manifests") { config.manifests = manifests }
        if let node = reader["state"], let state = context.mapping(node, "state", known: ["sqlite", "postgres"]) {
            if state["sqlite"] != nil && state["postgres"] != nil {
                context.error(node, "state names both sqlite and postgres", hint: "choose one backend")
            }
            if let sqlite = state.mapping("sqlite", known: ["path"]) {
                config.state = .sqlite(path: sqlite.text("path") ?? defaultStatePath)
            }
            if let postgres = state.mapping("postgres", known: ["url", "password"], required: ["url"]), let url = postgres.string("url") {
                let password = postgres.string("password")
                if let password, !isSecretReference(password.value) {
                    context.error(
                        postgres["password"]!, "the PostgreSQL password must be a secret reference, not the password itself",
                        hint: "write password: \"env:PGPASSWORD\" (or file:PATH) and keep the password there")
                } else if isSecretReference(url.value) {
                    config.state = .postgres(url: url.value, password: password?.value)
                } else {
                    context.error(
                        postgres["url"]!, "the PostgreSQL url must be a secret reference, not an inline address",
                        hint: "write url: \"env:PROVISOR_DATABASE_URL\" and put the address in that variable; it may hold a password")
                }
            }
        }
        if let safety = reader.mapping("safety", known: ["maxDeletes", "maxDeletePercent"]) {
            if let value = safety.int("maxDeletes", minimum: 0) { config.safety.maxDeletes = value }
            if let value = safety.int("maxDeletePercent", minimum: 0) {
                if value > 100, let node = safety["maxDeletePercent"] {
                    context.error(node, "'maxDeletePercent' must be between 0 and 100, found \(value)")
                } else {
                    config.safety.maxDeletePercent = value
                }
            }
        }
        if let node = reader["owners"] {
            context.error(
                node, "'owners' gave paths to resellers without saying which engines and secrets their files may use, so it is no longer read",
                hint:
                    "rewrite it as delegation: { CODE: { parent: PARENT, paths: [...], engines: [...], secrets: [...] } }, as docs/manifests.md shows under Delegation"
            )
        }
        if let node = reader["delegation"] {
            config.grants = context.namedEntries(node, "delegation").compactMap { code, value in
                grant(code, value, context: context)
            }
        }
        if let drift = reader.mapping("drift", known: ["ignore"]) {
            config.driftIgnore =
                drift.list("ignore") { node, index in
                    guard let rule = context.mapping(node, "drift.ignore[\(index)]", known: ["kind", "attribute"], required: ["attribute"]),
                        let attribute = rule.text("attribute")
                    else { return nil }
                    return DriftIgnoreRule(
                        kind: rule.choice("kind", as: ResourceAddress.Kind.self, among: ResourceAddress.Kind.resources), attribute: attribute)
                } ?? []
        }
        if let node = reader["notifications"] {
            config.notifications = context.namedEntries(node, "notifications").compactMap { name, value in
                notificationChannel(name, value, context: context)
            }
        }
        if let node = reader["policy"] {
            config.policies = context.namedEntries(node, "policy").compactMap { name, value in
                guard let policy = context.mapping(value, "policy.\(name.value)", known: ["run", "timeout"], required: ["run"]) else { return nil }
                let command = (policy.stringList("run") ?? []).map(\.value)
                guard !command.isEmpty, !command[0].isEmpty else {
                    if let run = policy["run"] {
                        context.error(run, "policy.\(name.value).run names no program", hint: "write run: [python3, policies/price-floor.py]")
                    }
                    return nil
                }
                return PolicyProgram(
                    name: name.value, command: command, timeout: policy.int("timeout", minimum: 1) ?? PolicyProgram.defaultTimeout, location: name.location)
            }
        }
        return (config, context.diagnostics.sorted())
    }

    /// One channel under `notifications`.
    private static func notificationChannel(_ name: Located<String>, _ node: YAMLNode, context: DecodeContext) -> NotificationChannel? {
        let field = "notifications.\(name.value)"
        guard let reader = context.mapping(node, field, known: ["kind", "url", "signingSecret", "events", "reseller"], required: ["kind", "url"]),
            let kind = reader.choice("kind", as: NotificationChannel.Kind.self), let url = reader.string("url")
        else { return nil }
        if !isSecretReference(url.value), !(url.value.hasPrefix("https://") || url.value.hasPrefix("http://")) {
            context.error(
                reader["url"]!, "\(field).url must be a secret reference or an http(s) URL, found '\(url.value)'",
                hint: "write url: \"env:NAME\" and put the webhook's address (which carries its token) in that variable")
            return nil
        }
        let secret = reader.string("signingSecret")
        if secret != nil, kind != .webhook {
            context.error(reader["signingSecret"]!, "\(field).signingSecret is for kind webhook; \(kind.rawValue) signs nothing", hint: "remove it")
        } else if let secret, !isSecretReference(secret.value) {
            context.error(
                reader["signingSecret"]!, "\(field).signingSecret must be a secret reference, not the key itself",
                hint: "write signingSecret: \"env:NAME\" (or file:PATH) and keep the key there")
            return nil
        }
        var events = Set(NotificationChannel.Event.allCases)
        if let listed = reader.list("events", { node, _ in context.choice(node, "events", as: NotificationChannel.Event.self) }) {
            events = Set(listed)
        }
        let reseller = reader.formatted("reseller", .code)?.value
        return NotificationChannel(
            name: name.value, kind: kind, url: url.value, signingSecret: kind == .webhook ? secret?.value : nil, events: events, reseller: reseller,
            location: name.location)
    }

    private static func isSecretReference(_ text: String) -> Bool { text.hasPrefix("env:") || text.hasPrefix("file:") }

    /// One reseller's grant under `delegation`.
    private static func grant(_ code: Located<String>, _ node: YAMLNode, context: DecodeContext) -> Grant? {
        guard Format.code.matches(code.value) else {
            context.diagnostics.append(
                .error(at: code.location, "'delegation' names '\(code.value)', which is not a reseller code", hint: "use \(Format.code.explanation)"))
            return nil
        }
        let field = "delegation.\(code.value)"
        guard let reader = context.mapping(node, field, known: ["parent", "paths", "engines", "secrets"], required: ["paths"]) else { return nil }
        func entries(_ key: String) -> [Grant.Entry] {
            (reader.stringList(key) ?? []).map { Grant.Entry(value: $0.value, location: $0.location) }
        }
        let secrets = entries("secrets")
        for secret in secrets {
            let valid =
                (secret.value.hasPrefix("env:") && secret.value.count > 4)
                || (secret.value.hasPrefix("file:") && secret.value.count > 5 && Grant.normalised(String(secret.value.dropFirst(5))) != nil)
            if !valid {
                context.diagnostics.append(
                    .error(
                        at: secret.location, "'\(secret.value)' in \(field).secrets is not a secret reference pattern",
                        hint: "write env:NAME or env:PREFIX_* for environment variables, file:FOLDER/ for files in a folder (no '..')"))
            }
        }
        let parent = reader.formatted("parent", .code).map { Grant.Entry(value: $0.value, location: $0.location) }
        return Grant(
            reseller: Grant.Entry(value: code.value, location: code.location), parent: parent, paths: entries("paths"),
            engines: entries("engines"), secrets: secrets)
    }
}
