import ArgumentParser
import Foundation
import ProvisorCore
import ProvisorRuntime
import ProvisorViews

struct NewCustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Print (or --write) a Customer manifest with a generated unique code.",
        discussion:
            "The code is built from the name's initials (\"Jones the Baker Ltd\" → JBL) and made unique against the codes in the manifests by adding a number."
    )

    @Argument(help: "The customer's display name, e.g. \"Jones the Baker Ltd\".")
    var name: String

    @Option(name: .long, help: "The code of the customer's reseller.")
    var reseller: String

    @Option(name: .long, help: "Use this code instead of generating one.")
    var code: String?

    @Option(name: .long, help: "Customer type: standard, test or demo.")
    var type: String = "standard"

    @Option(name: .long, help: "The customer's primary domain.")
    var domain: String?

    @Option(name: .long, help: "The contact email address.")
    var email: String?

    @Flag(name: .long, help: "Write the manifest into the manifests directory instead of printing it.")
    var write = false

    @OptionGroup var options: ManifestOptions

    func validate() throws {
        if write && (options.repo != nil || options.ref != nil) {
            throw ValidationError("--write writes into the manifests folder on disk; it cannot be combined with --repo or --ref")
        }
    }

    func run() async throws {
        try await runReportingFailures {
            let run = NewCustomerRun(name: name, reseller: reseller, code: code, type: type, domain: domain, email: email, write: write)
            let outcome = try run.run(in: options.workspace())
            if let path = outcome.path {
                Terminal.standardOutput.write("Wrote \(path) (customer \(outcome.code)).\n")
            } else {
                Terminal.standardOutput.write(outcome.text)
            }
            return 0
        }
    }
}
