import Foundation

/// A manifest value `provisor import` writes, with the comment that says how it was chosen
/// when it was not simply read from the engine.
struct DraftValue: Sendable {
    var name: String
    var value: AttributeValue
    var comment: String?
}
