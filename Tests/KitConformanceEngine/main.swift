// An engine written on the Swift engine kit (ProvisorEngineKit), for the exec protocol
// conformance tests; it behaves as Tests/EngineTests/Servers/kit_engine.py does, so both kits
// pass the same tests. It keeps its tenants in memory and its answered ids in the file named by
// its first argument. User flaky's services answer "retryable" the first time; user broken's
// throw an error; a second provision of one address is refused.
import Foundation
import ProvisorEngineKit

struct MissingField: Error, CustomStringConvertible {
    var description: String
}

let engine = ExecEngine(answered: try AnswerFile(path: CommandLine.arguments[1]))
var tenants: [String: [String: JSONValue]] = [:]
var tried: Set<String> = []

engine.handle("provision") { message in
    let address = message.address
    if address.contains("/user/flaky/"), tried.insert(address).inserted { throw EngineFailure.retry("the tenant API is busy", after: 0) }
    if address.contains("/user/broken/") { throw MissingField(description: "'tenantId'") }
    if tenants[address] != nil { throw EngineFailure.refuse("\(address) already exists") }
    tenants[address] = message.maskedAttributes
    engine.log("provisioned \(address)")
    return ["tenantId": .string("t-" + address.split(separator: "/")[3])]
}
engine.handle("deprovision") { message in
    tenants[message.address] = nil
    return [:]
}
engine.observe {
    tenants.keys.sorted().map { ObservedItem(address: $0, attributes: ["displayName": tenants[$0]?["displayName"] ?? .string("")]) }
}
engine.subscriptions {
    [["id": "sub-1", "customer": "JBL", "sku": "SPB", "quantity": 3, "term": "P1M", "termEnd": "2026-12-31T00:00:00Z"] as [String: JSONValue]]
}
engine.run()
