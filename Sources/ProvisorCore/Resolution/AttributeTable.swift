/// The attributes of one resource while they resolve, applied from the most general level to
/// the most specific: each value replaces the one before unless a lock stops it.
///
/// Without tracing, only the current value and its origin are kept; with tracing (for
/// `provisor explain`), every replaced value too. Both modes run the same code, so an
/// explanation always matches the resolved resource.
struct AttributeTable: Sendable {
    struct Slot: Sendable {
        var name: String
        var current: Explanation.Value?
        var overridden: [Explanation.Value] = []
        var lockedBy: Origin?

        init(name: String) {
            self.name = name
        }
    }

    var slots: [Slot]
    let tracing: Bool

    init(names: [String] = [], tracing: Bool) {
        slots = names.map(Slot.init)
        self.tracing = tracing
    }

    /// Sets slot `index` unless a more general level locked it.
    mutating func set(_ index: Int, _ value: AttributeValue, _ origin: Origin) {
        guard slots[index].lockedBy == nil else { return }
        if tracing, let replaced = slots[index].current { slots[index].overridden.insert(replaced, at: 0) }
        slots[index].current = Explanation.Value(value: value, origin: origin)
    }

    mutating func lock(_ index: Int, by origin: Origin) {
        if slots[index].lockedBy == nil { slots[index].lockedBy = origin }
    }

    func value(_ index: Int) -> AttributeValue? { slots[index].current?.value }

    /// Adds a slot with its value (for resources whose attributes are not laid out in advance).
    mutating func add(_ name: String, _ value: AttributeValue?, _ origin: Origin) {
        guard let value else { return }
        var slot = Slot(name: name)
        slot.current = Explanation.Value(value: value, origin: origin)
        slots.append(slot)
    }

    /// Puts added slots in name order; tables laid out in advance already are.
    mutating func sortByName() {
        slots.sort { $0.name < $1.name }
    }

    /// The attributes that have a value, in slot order.
    var attributes: [Attribute] {
        var attributes: [Attribute] = []
        attributes.reserveCapacity(slots.count)
        for slot in slots {
            if let current = slot.current { attributes.append(Attribute(name: slot.name, value: current.value)) }
        }
        return attributes
    }

    var entries: [Explanation.Entry] {
        slots.compactMap { slot in
            slot.current.map { Explanation.Entry(name: slot.name, effective: $0, overridden: slot.overridden, lockedBy: slot.lockedBy) }
        }
    }
}
