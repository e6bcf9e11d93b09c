import Foundation
import ProvisorRuntime

/// ANSI styling that is a no-op when colour is off.
public enum Style: String {
    case red = "31"
    case green = "32"
    case yellow = "33"
    case bold = "1"
    case dim = "2"

    public func apply(_ text: String, _ enabled: Bool) -> String {
        enabled ? "\u{1B}[\(rawValue)m\(text)\u{1B}[0m" : text
    }
}
