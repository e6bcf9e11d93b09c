/// The attributes of one resource while they resolve, applied from the most general level to
/// the most specific: each value replaces the one before unless a lock stops it.
///
/// Resolving the whole estate keeps only values and locks. Tracing (for `provisor explain`)
/// also keeps where each value came from and every value it replaced. Both run the same code,
/// so an explanation always matches the resolved resource.
struct AttributeTable: Sendable {
    struct Trace: Sendable {
        var origin: Origin?
        var overridden: [Explanation.Value] = []
        var lockedBy: Origin?
    }

    private(set) var names: [String]
    private var values: [AttributeValue?]
    private var locked: [Bool]
    /// One per name when tracing, else empty.
    private var traces: [Trace]
    let tracing: Bool

    /// A table laid out in advance with `names` (in name order), all without a value.
    init(names: [String], tracing: Bool) {
        self.names = names
        values = Array(repeating: nil, count: names.count)
        locked = Array(repeating: false, count: names.count)
        traces = tracing ? Array(repeating: Trace(), count: names.count) : []
        self.tracing = tracing
    }

    /// An empty table that slots are added to.
    init(tracing: Bool, capacity: Int = 16) {
        names = []
        values = []
        locked = []
        traces = []
        names.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        locked.reserveCapacity(capacity)
        self.tracing = tracing
    }

    /// Sets slot `index` unless a more general level locked it.
    mutating func set(_ index: Int, _ value: AttributeValue, _ origin: @autoclosure () -> Origin) {
        guard !locked[index] else { return }
        if tracing {
            if let replaced = values[index], let from = traces[index].origin {
                traces[index].overridden.insert(Explanation.Value(value: replaced, origin: from), at: 0)
            }
            traces[index].origin = origin()
        }
        values[index] = value
    }

    mutating func lock(_ index: Int, by origin: @autoclosure () -> Origin) {
        guard !locked[index] else { return }
        locked[index] = true
        if tracing { traces[index].lockedBy = origin() }
    }

    func value(_ index: Int) -> AttributeValue? { values[index] }

    /// Adds a slot with its value (for resources whose attributes are not laid out in advance).
    mutating func add(_ name: String, _ value: AttributeValue?, _ origin: @autoclosure () -> Origin) {
        guard let value else { return }
        names.append(name)
        values.append(value)
        locked.append(false)
        if tracing { traces.append(Trace(origin: origin())) }
    }

    /// Puts added slots in name order; tables laid out in advance already are.
    mutating func sortByName() {
        guard zip(names, names.dropFirst()).contains(where: { $0 >= $1 }) else { return }
        let order = names.indices.sorted { names[$0] < names[$1] }
        names = order.map { names[$0] }
        values = order.map { values[$0] }
        locked = order.map { locked[$0] }
        if tracing { traces = order.map { traces[$0] } }
    }

    /// The attributes that have a value, in slot order.
    var attributes: [Attribute] {
        var attributes: [Attribute] = []
        attributes.reserveCapacity(names.count)
        for (name, value) in zip(names, values) {
            if let value { attributes.append(Attribute(name: name, value: value)) }
        }
        return attributes
    }

    /// Each value with its provenance; empty unless tracing.
    var entries: [Explanation.Entry] {
        guard tracing else { return [] }
        return names.indices.compactMap { index in
            guard let value = values[index], let origin = traces[index].origin else { return nil }
            return Explanation.Entry(
                name: names[index], effective: Explanation.Value(value: value, origin: origin),
                overridden: traces[index].overridden, lockedBy: traces[index].lockedBy)
        }
    }
}
