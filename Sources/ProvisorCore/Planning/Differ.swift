/// Compares the desired state with the recorded one, resource by resource.
///
/// Attributes compare by value (their canonical documents), never by formatting or order. An
/// attribute the manifests leave out is not managed: a recorded value with no desired one is
/// no change, never a removal.
public enum Differ {
    public struct Result: Sendable {
        /// Creates and updates in desired (address) order, then deletes in address order.
        public var changes: [Change]
        /// Resources that exist on both sides with nothing to do.
        public var unchanged: Int
        /// Each reseller's parent, desired or (for a removed reseller) recorded: the planner
        /// orders resellers by it.
        public var resellerParents: [ResourceAddress: ResourceAddress] = [:]
        /// The reseller code of every customer a change touches, for grouping.
        public var customerResellers: [String: String] = [:]
    }

    /// A resource whose engine changed is a replace: a delete of the recorded resource on its
    /// old engine and a create on the new one, both with the reason `engineChanged`.
    public static func diff(desired: DesiredState, recorded: [RecordedResource]) throws -> Result {
        let byAddress = Dictionary(uniqueKeysWithValues: recorded.enumerated().map { ($1.address, $0) })

        let resources = desired.resources
        let outcomes = parallelChunks(resources.count, chunkSize: 2048) { range in
            Swift.Result { () throws -> [Outcome] in
                try range.map { position in
                    let resource = resources[position]
                    guard let index = byAddress[resource.address] else { return .create }
                    if recorded[index].engine != resource.engine { return .replace(index) }
                    return try compare(resource, recorded[index]).map { .update($0, index) } ?? .unchanged(index)
                }
            }
        }

        var changes: [Change] = []
        var replaced: [Change] = []
        var matched = [Bool](repeating: false, count: recorded.count)
        var unchanged = 0
        var position = 0
        for chunk in outcomes {
            for outcome in try chunk.get() {
                let resource = resources[position]
                position += 1
                switch outcome {
                case .create:
                    changes.append(
                        Change(
                            action: .create, address: resource.address, parent: resource.parent, engine: resource.engine,
                            reason: .newInManifests, attributes: resource.attributes))
                case .update(let changed, let index):
                    matched[index] = true
                    changes.append(
                        Change(
                            action: .update, address: resource.address, parent: resource.parent, engine: resource.engine,
                            reason: .attributesChanged, attributes: resource.attributes, changedAttributes: changed))
                case .unchanged(let index):
                    matched[index] = true
                    unchanged += 1
                case .replace(let index):
                    matched[index] = true
                    let old = recorded[index]
                    let reason = Change.Reason.engineChanged(from: old.engine, to: resource.engine)
                    changes.append(
                        Change(
                            action: .create, address: resource.address, parent: resource.parent, engine: resource.engine,
                            reason: reason, attributes: resource.attributes))
                    replaced.append(
                        Change(
                            action: .delete, address: old.address, parent: old.parent, engine: old.engine,
                            reason: reason, attributes: try old.decodedAttributes()))
                }
            }
        }

        changes += replaced
        let removed = recorded.indices.filter { !matched[$0] }.map { recorded[$0] }.sorted { $0.address < $1.address }
        let removedAddresses = Set(removed.map(\.address))
        for resource in removed {
            let reason: Change.Reason = resource.parent.map { removedAddresses.contains($0) } == true ? .parentRemoved(resource.parent!) : .removedFromManifests
            changes.append(
                Change(
                    action: .delete, address: resource.address, parent: resource.parent, engine: resource.engine,
                    reason: reason, attributes: try resource.decodedAttributes()))
        }
        var resellerParents: [ResourceAddress: ResourceAddress] = [:]
        for resource in recorded where resource.kind == .reseller { resellerParents[resource.address] = resource.parent }
        // Resellers sort before everything else.
        for resource in resources.prefix(while: { $0.kind == .reseller }) { resellerParents[resource.address] = resource.parent }
        var customerResellers: [String: String] = [:]
        for change in changes {
            guard let code = change.address.customer, customerResellers[code] == nil else { continue }
            let customer = change.kind == .customer ? change : nil
            if case .string(let reseller)? = desired.resource(at: .customer(code))?["reseller"] ?? customer?["reseller"] {
                customerResellers[code] = reseller
            }
        }
        return Result(changes: changes, unchanged: unchanged, resellerParents: resellerParents, customerResellers: customerResellers)
    }

    private enum Outcome: Sendable {
        case create
        case update([Change.AttributeChange], Int)
        case unchanged(Int)
        case replace(Int)
    }

    /// The attributes that differ, or nil when the resource is unchanged.
    static func compare(_ desired: DesiredResource, _ recorded: RecordedResource) throws -> [Change.AttributeChange]? {
        if AttributeDocument(desired.attributes) == recorded.attributes { return nil }
        let old = try recorded.decodedAttributes()
        var changes: [Change.AttributeChange] = []
        var oldPosition = 0
        // Both lists are sorted by name: walk them together.
        for attribute in desired.attributes {
            while oldPosition < old.count && old[oldPosition].name < attribute.name { oldPosition += 1 }
            let previous = oldPosition < old.count && old[oldPosition].name == attribute.name ? old[oldPosition].value : nil
            if previous != attribute.value {
                changes.append(Change.AttributeChange(name: attribute.name, old: previous, new: attribute.value))
            }
        }
        return changes.isEmpty ? nil : changes
    }
}
