import Foundation

/// One level's `rightsizing` mapping: on a service, a plan, or a reseller's or customer's
/// override of either. Each field is inherited like a property (service → plan → resellers from
/// the root down → customer; at one level the plan-specific setting beats the service-wide one).
public struct RightsizingSettings: Sendable, Hashable {
    public enum Decreases: String, Sendable, Hashable, CaseIterable {
        /// Taken back automatically: refunded inside the window, otherwise at renewal.
        case automatic
        /// Only reported; increases are still made.
        case report
    }

    /// Spare licences kept above the assigned ones.
    public var buffer: Located<Int>?
    /// Never fewer licences than this.
    public var minimum: Located<Int>?
    public var decreases: Located<Decreases>?
    /// True: right-sizing leaves these licences alone (an ignored SKU on a service or plan, an
    /// ignored customer on its own overrides).
    public var ignore: Located<Bool>?

    static let fields = ["buffer", "minimum", "decreases", "ignore"]
}

extension MappingReader {
    /// The `rightsizing` mapping of this service, plan or override, if it has one.
    func rightsizing() -> RightsizingSettings? {
        guard let reader = mapping("rightsizing", known: RightsizingSettings.fields) else { return nil }
        return RightsizingSettings(
            buffer: reader.located("buffer") { reader.int($0, minimum: 0) },
            minimum: reader.located("minimum") { reader.int($0, minimum: 1) },
            decreases: reader.located("decreases") { reader.choice($0, as: RightsizingSettings.Decreases.self) },
            ignore: reader.located("ignore", reader.bool))
    }
}
