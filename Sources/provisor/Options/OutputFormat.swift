import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

/// Output formats; each command accepts the ones it can render.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human
    case json
    case markdown
    case github
    case gitlab

    /// The formats only `validate` prints: annotations for a CI system.
    var isAnnotations: Bool { self == .github || self == .gitlab }
}
