import Foundation

/// The three-way comparison: desired (manifests), recorded (state) and observed (engines).
public enum DriftDetector {
    /// Every drift, engines in name order, then `unknown` first and the rest by address.
    ///
    /// An engine missing from `observations` was not read and counts as unreadable; one whose
    /// adapter cannot read back (`.unsupported`) is left out. Only the
    /// attributes an engine reports are compared, never secrets, and never those `ignore`
    /// names. A resource an engine holds that the manifests want but the state does not record
    /// is `unmanaged` too, with the reason (`unrecorded`): provisioning it again would collide
    /// with what the engine already has (a message given up with `state forget` that the engine
    /// did carry out), and `provisor import` records it. With `only`, just those addresses
    /// are compared (an unreadable engine still counts every resource it records).
    public static func detect(
        desired: Set<ResourceAddress>, recorded: [RecordedResource], observations: [String: EngineObservation],
        ignore: [DriftIgnoreRule] = [], only: Set<ResourceAddress>? = nil
    ) throws -> [Drift] {
        let recordedByEngine = Dictionary(grouping: recorded, by: \.engine)
        var drifts: [Drift] = []
        for engine in Set(recordedByEngine.keys).union(observations.keys).sorted() {
            let records = recordedByEngine[engine] ?? []
            let observed: [ObservedResource]
            switch observations[engine] ?? .unreadable(Self.notRead) {
            case .unreadable(let reason):
                drifts.append(Drift(kind: .unknown, engine: engine, address: nil, reason: reason, affected: records.count))
                continue
            case .unsupported:
                continue
            case .observed(let resources, _):
                observed = resources
            }
            let seen = Dictionary(observed.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
            let compared = only.map { only in records.filter { only.contains($0.address) } } ?? records
            // Each record decoded and compared on every core.
            let chunks = parallelChunks(compared.count, chunkSize: 4_096) { range -> Result<[Drift], Error> in
                Result {
                    try compared[range].compactMap { record in
                        guard let now = seen[record.address] else { return Drift(kind: .missing, engine: engine, address: record.address) }
                        let changes = try compare(record, now, ignore: ignore)
                        return changes.isEmpty ? nil : Drift(kind: .changed, engine: engine, address: record.address, changes: changes)
                    }
                }
            }
            var found = try chunks.flatMap { try $0.get() }
            let known = Set(records.map(\.address))
            for resource in observed where !known.contains(resource.address) && only?.contains(resource.address) != false {
                let wanted = desired.contains(resource.address)
                found.append(Drift(kind: .unmanaged, engine: engine, address: resource.address, reason: wanted ? unrecorded(engine) : nil))
            }
            drifts += found.sorted { $0.address! < $1.address! }
        }
        return drifts
    }

    public static let notRead = "this engine's adapter cannot read back what it holds"

    /// Why a resource the manifests want and the engine holds is unmanaged.
    public static func unrecorded(_ engine: String) -> String {
        "the manifests want it and \(engine) holds it, but the state does not record it as applied (a message given up with provisor state forget, or a resource made by hand), so provisioning it would collide; provisor import --engine \(engine) records it"
    }

    /// Equal values; an integer and a number are equal when their values are (engines that
    /// parse JSON into doubles write 16.0 back as 16).
    static func same(_ recorded: AttributeValue, _ observed: AttributeValue) -> Bool {
        switch (recorded, observed) {
        case (.integer(let whole), .number(let number)), (.number(let number), .integer(let whole)): return Decimal(whole) == number
        default: return recorded == observed
        }
    }

    /// The attributes both sides have whose values differ, recorded → observed. The engine's
    /// outputs count as recorded: one the engine reports with another value is drift, one it
    /// does not report is not compared.
    static func compare(_ record: RecordedResource, _ observed: ObservedResource, ignore: [DriftIgnoreRule]) throws -> [Change.AttributeChange] {
        var recorded = Dictionary(try record.decodedAttributes().map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        if !record.outputs.isEmpty {
            for output in try record.decodedOutputs() where recorded[output.name] == nil { recorded[output.name] = output.value }
        }
        let reported = observed.outputs.isEmpty ? observed.attributes : observed.attributes + observed.outputs
        return reported.compactMap { attribute in
            guard let old = recorded[attribute.name], !same(old, attribute.value) else { return nil }
            if case .secret = old { return nil }
            if ignore.contains(where: { $0.ignores(attribute.name, of: record.kind) }) { return nil }
            return Change.AttributeChange(name: attribute.name, old: old, new: attribute.value)
        }
    }
}

extension StateSnapshot {
    /// The recorded state as the engines really hold it, for `reconcile --refresh`: a changed
    /// resource takes the observed values of its changed attributes, and a resource missing
    /// from its engine is left out, so planning against it restores the one and re-provisions
    /// the other. Unknown engines and unmanaged resources change nothing: the first is never
    /// taken as absent, the second is never deleted.
    public func refreshed(by drifts: [Drift]) throws -> StateSnapshot {
        var changed: [ResourceAddress: [Change.AttributeChange]] = [:]
        var missing = Set<ResourceAddress>()
        for drift in drifts {
            guard let address = drift.address else { continue }
            switch drift.kind {
            case .changed: changed[address] = drift.changes
            case .missing: missing.insert(address)
            case .unmanaged, .unknown: break
            }
        }
        guard !changed.isEmpty || !missing.isEmpty else { return self }
        var refreshed = self
        refreshed.resources = try resources.compactMap { record in
            if missing.contains(record.address) { return nil }
            guard let changes = changed[record.address] else { return record }
            let observed = Dictionary(changes.map { ($0.name, $0.new) }, uniquingKeysWith: { first, _ in first })
            let take = { (attribute: Attribute) in observed[attribute.name].map { Attribute(name: attribute.name, value: $0) } ?? attribute }
            var record = record
            record.attributes = AttributeDocument(try record.decodedAttributes().map(take))
            if !record.outputs.isEmpty { record.outputs = AttributeDocument(try record.decodedOutputs().map(take)) }
            return record
        }
        return refreshed
    }
}
