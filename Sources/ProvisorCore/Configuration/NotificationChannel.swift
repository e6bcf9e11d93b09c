/// One entry under `notifications:` in provisor.yaml: where to tell people what a run found
/// (a signed generic webhook, a Slack or a Microsoft Teams incoming webhook), which events,
/// and, with `reseller`, only what happens in that reseller's subtree.
public struct NotificationChannel: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case webhook
        case slack
        case teams
    }

    /// What a run can tell.
    public enum Event: String, Sendable, Hashable, CaseIterable {
        /// drift found drift the last reading did not show.
        case drift
        /// reconcile: changes failed or were skipped.
        case applyFailed = "apply-failed"
        /// reconcile: the plan was refused and nothing was applied.
        case planRefused = "plan-refused"
        /// rightsize changed subscriptions (not in a dry run).
        case rightsizing
    }

    public var name: String
    public var kind: Kind
    /// The address to post to: a secret reference (`env:NAME`, `file:PATH`), since incoming
    /// webhook addresses carry their token, or an `http(s)://` URL.
    public var url: String
    /// webhook only: a secret reference to the key that signs each body (HMAC-SHA256).
    public var signingSecret: String?
    public var events: Set<Event>
    /// Only events in this reseller's subtree; every event when nil.
    public var reseller: String?
    public var location: SourceLocation

    public init(
        name: String, kind: Kind, url: String, signingSecret: String? = nil, events: Set<Event> = Set(Event.allCases), reseller: String? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.signingSecret = signingSecret
        self.events = events
        self.reseller = reseller
        self.location = location
    }
}
