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
            guard let customerType = Customer.CustomerType(rawValue: type) else {
                throw RunError(description: "error: invalid --type '\(type)' (expected one of: standard, test, demo)")
            }
            if let domain, !Format.domain.matches(domain) {
                throw RunError(description: "error: --domain '\(domain)' is not a valid domain (use \(Format.domain.explanation))")
            }
            if let email, !Format.email.matches(email) {
                throw RunError(description: "error: --email '\(email)' is not a valid email address (use \(Format.email.explanation))")
            }
            let workspace = try options.workspace()
            let estate = try ManifestLoader.load(from: workspace.source).estate
            let taken = Set(estate.customers.map(\.code.value))
            let resellers = estate.resellers.map(\.code.value)
            guard resellers.contains(reseller) else {
                let hint =
                    Suggestions.closest(to: reseller, in: resellers).map { "did you mean '\($0)'?" }
                    ?? "known resellers: \(resellers.sorted().joined(separator: ", "))"
                throw RunError(description: "error: unknown reseller '\(reseller)' in \(workspace.manifests) (\(hint))")
            }
            let customerCode: String
            if let code {
                guard Format.code.matches(code) else {
                    throw RunError(description: "error: --code '\(code)' is not a valid customer code (use \(Format.code.explanation))")
                }
                guard !taken.contains(code) else {
                    throw RunError(description: "error: customer code '\(code)' is already taken (omit --code to generate a free one)")
                }
                customerCode = code
            } else {
                customerCode = CustomerScaffold.generateCode(for: name, taken: taken)
            }
            let text = CustomerScaffold.manifest(
                code: customerCode, name: name, reseller: reseller, type: customerType,
                domain: domain, contactEmail: email)
            guard write else {
                Terminal.standardOutput.write(text)
                return 0
            }
            let folder = (workspace.manifests as NSString).appendingPathComponent("customers")
            var isDirectory: ObjCBool = false
            let directory = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue ? folder : workspace.manifests
            let path = (directory as NSString).appendingPathComponent("\(customerCode).yaml")
            guard !FileManager.default.fileExists(atPath: path) else {
                throw RunError(description: "error: \(path) already exists; nothing was written (choose another --code)")
            }
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw RunError(description: "error: cannot write \(path) (check the directory exists and is writable)")
            }
            Terminal.standardOutput.write("Wrote \(path) (customer \(customerCode)).\n")
            return 0
        }
    }
}
