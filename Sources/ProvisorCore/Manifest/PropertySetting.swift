import Foundation

/// One `name: value` entry of a `properties` mapping.
public struct PropertySetting: Sendable, Hashable {
    public var name: Located<String>
    public var value: PropertyValue
}
