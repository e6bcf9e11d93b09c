import ArgumentParser
import ProvisorCore

/// `--timings`, for every command that measures its stages.
struct TimingsOption: ParsableArguments {
    @Flag(name: .long, help: "Print how long each stage took, on standard error.")
    var timings = false
}
