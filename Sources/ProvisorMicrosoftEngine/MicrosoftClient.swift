import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProvisorEngineKit

/// Requests to the identity platform, Partner Center and Graph, made one at a time from the
/// engine's (synchronous) handlers. It keeps one token per tenant and audience until a minute
/// before it expires, gets a new one once when a request answers 401, waits out a 429 or 503's
/// `Retry-After` when it is short (`longestWait`) and otherwise answers "retryable" with it, and
/// keeps Partner Center's subscription requests within 500 a minute per customer tenant.
final class MicrosoftClient {
    struct Response {
        var status: Int
        var json: JSONValue
    }

    let settings: MicrosoftSettings
    let log: (String) -> Void
    private let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: MicrosoftClient.configuration)
    private var tokens: [String: (token: String, expires: Date)] = [:]
    private var budget: [String: [Date]] = [:]

    private static var configuration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        return configuration
    }

    init(settings: MicrosoftSettings, log: @escaping (String) -> Void) {
        self.settings = settings
        self.log = log
    }

    deinit { try? http.syncShutdown() }

    /// A Partner Center request as the partner.
    func partnerCenter(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, headers: [(String, String)] = [], customer: String? = nil
    )
        throws(MicrosoftFailure) -> Response
    {
        if let customer { try spend(customer) }
        return try call(
            method, settings.partnerCenterURL + "/v1" + path, tenant: settings.partnerTenant, audience: MicrosoftSettings.partnerCenterAudience, body: body,
            headers: headers)
    }

    /// A Graph request in a customer's tenant (granular delegated admin); `url` may be a whole
    /// `@odata.nextLink`.
    func graph(_ method: HTTPMethod, _ path: String, tenant: String, body: JSONValue? = nil) throws(MicrosoftFailure) -> Response {
        let url = path.hasPrefix("http") ? path : settings.graphURL + "/v1.0" + path
        return try call(method, url, tenant: tenant, audience: MicrosoftSettings.graphAudience, body: body)
    }

    private func call(
        _ method: HTTPMethod, _ url: String, tenant: String, audience: String, body: JSONValue?, headers: [(String, String)] = []
    )
        throws(MicrosoftFailure) -> Response
    {
        var renewed = false
        var waits = 0
        while true {
            let token = try self.token(tenant: tenant, audience: audience)
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer " + token)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "provisor-engine-microsoft")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: JSONLine.encode(body)))
            }
            let (status, retryAfter, json) = try send(request, what: "\(method.rawValue) \(url)")
            switch status {
            case 200..<300:
                return Response(status: status, json: json)
            case 401 where !renewed:
                tokens[tenant + " " + audience] = nil
                renewed = true
                log("\(method.rawValue) \(url): 401, getting a new token")
            case 429, 503:
                let seconds = retryAfter ?? 5
                let reason = "Microsoft is throttling requests (\(status), Retry-After \(seconds) s): \(Self.message(json))"
                guard seconds <= settings.longestWait, waits < 3 else { throw .retry(reason, after: seconds) }
                waits += 1
                log("\(method.rawValue) \(url): \(reason); waiting")
                Thread.sleep(forTimeInterval: Double(seconds))
            case 404:
                throw .notFound(Self.message(json))
            case 500..<600:
                throw .retry("Microsoft answered \(status): \(Self.message(json))", after: retryAfter)
            default:
                throw .refused("Microsoft answered \(status): \(Self.message(json))")
            }
        }
    }

    /// The words of an error body: Partner Center's `{code, description}` or Graph's
    /// `{"error": {code, message}}`.
    static func message(_ json: JSONValue) -> String {
        if let error = json["error"]?.object, let message = error["message"]?.string {
            return "\(message)\(error["code"]?.string.map { " (\($0))" } ?? "")"
        }
        if let description = json["description"]?.string {
            let code = json["code"]?.string ?? json["code"]?.integer.map(String.init)
            return "\(description)\(code.map { " (error \($0))" } ?? "")"
        }
        if let description = json["error_description"]?.string { return description }
        return "no error text"
    }

    /// The error code Partner Center answered, when it did.
    static func code(_ failure: MicrosoftFailure) -> String? {
        failure.description.firstMatch(of: /\(error (\d+)\)$/).map { String($0.1) }
    }

    private func token(tenant: String, audience: String) throws(MicrosoftFailure) -> String {
        let key = tenant + " " + audience
        if let kept = tokens[key], kept.expires > Date() { return kept.token }
        var request = HTTPClientRequest(url: settings.loginURL + "/" + Self.encoded(tenant) + "/oauth2/v2.0/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = [
            ("grant_type", "client_credentials"), ("client_id", settings.applicationID), ("client_secret", settings.applicationSecret),
            ("scope", audience + "/.default"),
        ].map { "\($0)=\(Self.encoded($1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let (status, _, json) = try send(request, what: "the token endpoint for tenant \(tenant)")
        guard status == 200, let token = json["access_token"]?.string else {
            let text = Self.message(json)
            if text.contains("AADSTS700016") {
                throw .refused(
                    "the application has no access to tenant \(tenant): grant it through a granular delegated admin relationship "
                        + "(with the User Administrator and License Administrator roles) and consent to it in the customer's tenant. "
                        + "Microsoft said: \(text)")
            }
            if status >= 500 || status == 429 { throw .retry("the token endpoint answered \(status): \(text)", after: nil) }
            throw .refused("no token for tenant \(tenant) (\(status)): \(text)")
        }
        let lifetime = json["expires_in"]?.integer ?? 3599
        tokens[key] = (token, Date().addingTimeInterval(Double(max(lifetime - 60, 0))))
        return token
    }

    /// Partner Center allows 500 subscription requests a minute per customer tenant: wait for
    /// room rather than be refused.
    private func spend(_ customer: String) throws(MicrosoftFailure) {
        let now = Date()
        var used = (budget[customer] ?? []).filter { now.timeIntervalSince($0) < 60 }
        if used.count >= settings.partnerCenterBudget, let oldest = used.first {
            let wait = 60 - now.timeIntervalSince(oldest)
            guard wait <= Double(settings.longestWait) else {
                throw .retry(
                    "Partner Center's budget of \(settings.partnerCenterBudget) requests a minute for tenant \(customer) is spent",
                    after: Int(wait.rounded(.up)))
            }
            Thread.sleep(forTimeInterval: wait)
            used.removeFirst()
        }
        used.append(Date())
        budget[customer] = used
    }

    private func send(_ request: HTTPClientRequest, what: String) throws(MicrosoftFailure) -> (Int, Int?, JSONValue) {
        let http = self.http
        let outcome = Blocking.run { () async throws -> (Int, String?, String) in
            let response = try await http.execute(request, timeout: .seconds(60))
            let body = String(buffer: try await response.body.collect(upTo: 16 << 20))
            return (Int(response.status.code), response.headers.first(name: "Retry-After"), body)
        }
        switch outcome {
        case .failure(let error):
            throw .retry("\(what) could not be reached: \(error)", after: nil)
        case .success(let (status, retryAfter, body)):
            let json = body.isEmpty ? JSONValue.null : (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .string(body)
            return (status, retryAfter.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }, json)
        }
    }

    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
