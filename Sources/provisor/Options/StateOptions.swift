import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorGit
import ProvisorRuntime
import ProvisorViews

/// Where the recorded state is.
struct StateOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The state: a SQLite file, a postgres:// URL (password from PGPASSWORD), or env:NAME naming a variable that holds the URL (default: 'state:' in provisor.yaml, else .provisor/state.db)."
    )
    var state: String?
}
