import Foundation
import ProvisorCore
import ProvisorRuntime

/// What the report's pages show, grouped once: resources, plan changes, drift, audit entries and
/// right-sizing lines by customer; resellers by parent. Only what the scope covers.
struct ReportModel: Sendable {
    let outcome: ReportRun.Outcome
    /// Resellers in scope by code, and the codes below each (resellers, then customers).
    let resellers: [String: DesiredResource]
    let childResellers: [String: [String]]
    let resellerCustomers: [String: [String]]
    /// The root resellers of the tree shown (the scope's reseller, or every root).
    let roots: [String]
    let resources: [String: [DesiredResource]]
    let customerCodes: [String]
    let outputs: [ResourceAddress: [Attribute]]
    let changes: [String: [Change]]
    let drifts: [String: [Drift]]
    let audit: [String: [AuditEntry]]
    let rightsizing: [String: RightsizingReport.Line]

    /// Audit entries shown per page, newest first.
    static let auditShown = 200

    init(_ outcome: ReportRun.Outcome) {
        self.outcome = outcome
        let desired = outcome.manifests.desired.resources.filter { outcome.scope.contains($0.address) }
        var resellers: [String: DesiredResource] = [:]
        var childResellers: [String: [String]] = [:]
        var resellerCustomers: [String: [String]] = [:]
        var resources: [String: [DesiredResource]] = [:]
        for resource in desired {
            switch resource.kind {
            case .reseller:
                resellers[resource.address.owner] = resource
            case .customer:
                resources[resource.address.owner, default: []].append(resource)
                if let reseller = Self.text(resource["reseller"]) { resellerCustomers[reseller, default: []].append(resource.address.owner) }
            default:
                if let customer = resource.address.customer { resources[customer, default: []].append(resource) }
            }
        }
        for (code, resource) in resellers {
            if let parent = Self.text(resource["parent"]), resellers[parent] != nil, code != outcome.scope.reseller {
                childResellers[parent, default: []].append(code)
            }
        }
        self.resellers = resellers
        self.childResellers = childResellers.mapValues { $0.sorted() }
        self.resellerCustomers = resellerCustomers.mapValues { $0.sorted() }
        roots = outcome.scope.reseller.map { [$0] } ?? resellers.filter { Self.text($0.value["parent"]) == nil }.keys.sorted()
        self.resources = resources
        customerCodes = resources.keys.sorted()
        var outputs: [ResourceAddress: [Attribute]] = [:]
        for record in outcome.recorded where !record.outputs.isEmpty { outputs[record.address] = (try? record.decodedOutputs()) ?? [] }
        self.outputs = outputs
        changes = Dictionary(grouping: outcome.plan.changes.filter { outcome.scope.contains($0.address) }) { $0.address.customer ?? "" }
        drifts = Dictionary(grouping: outcome.drifts) { $0.address?.customer ?? "" }
        audit = Dictionary(grouping: outcome.audit) { $0.address.customer ?? "" }
        var lines: [String: RightsizingReport.Line] = [:]
        for line in outcome.rightsizing?.customers ?? [] where outcome.scope.customers.contains(line.name) { lines[line.name] = line }
        rightsizing = lines
    }

    var users: Int { resources.values.reduce(0) { $0 + $1.count { $0.kind == .user } } }

    /// The right-sizing lines of the resellers in scope, and the provider's (whole estate only).
    var resellerMargins: [RightsizingReport.Line] {
        (outcome.rightsizing?.resellers ?? []).filter { outcome.scope.resellers.contains($0.name) }
    }

    static func text(_ value: AttributeValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    /// A customer page's file name: the code (validated as letters and digits; anything else
    /// would be written _XX).
    static func fileName(_ code: String) -> String {
        var name = ""
        for byte in code.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (scalar.properties.isAlphabetic && byte < 128) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95 {
                name.unicodeScalars.append(scalar)
            } else {
                name += String(format: "_%02X", byte)
            }
        }
        return name + ".html"
    }
}
