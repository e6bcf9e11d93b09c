/// The estate's objects by name as validation settled them (the first definition of a name
/// wins; duplicates are reported), and the reseller chains that lead up to the root.
public struct EstateIndex: Sendable {
    var services: [String: Service]
    var resellers: [String: Reseller]
    var customers: [String: Customer]
    /// Indices into `estate.users`, by customer code; later duplicates of a username left out.
    var usersByCustomer: [String: [Int]]
    /// Each reseller's chain from itself up to the root; missing for resellers in a cycle or
    /// below a missing parent.
    var chains: [String: [Reseller]]
}
