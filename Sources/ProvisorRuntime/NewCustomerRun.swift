import Foundation
import ProvisorCore

/// `provisor new customer`: a Customer manifest with a code unique in the manifests, printed or
/// written into the manifests folder (`customers/` when there is one). Writes nothing over an
/// existing file.
public struct NewCustomerRun: Sendable {
    public var name: String
    public var reseller: String
    /// The code to use instead of generating one.
    public var code: String?
    public var type: String
    public var domain: String?
    public var email: String?
    /// Write the manifest instead of only returning it.
    public var write: Bool

    public init(
        name: String, reseller: String, code: String? = nil, type: String = "standard", domain: String? = nil, email: String? = nil,
        write: Bool = false
    ) {
        self.name = name
        self.reseller = reseller
        self.code = code
        self.type = type
        self.domain = domain
        self.email = email
        self.write = write
    }

    public struct Outcome: Sendable {
        public var code: String
        /// The manifest's text.
        public var text: String
        /// Where it was written, when it was.
        public var path: String?
    }

    public func run(in workspace: Workspace) throws -> Outcome {
        guard let customerType = Customer.CustomerType(rawValue: type) else {
            throw RunError(description: "error: invalid --type '\(type)' (expected one of: standard, test, demo)")
        }
        if let domain, !Format.domain.matches(domain) {
            throw RunError(description: "error: --domain '\(domain)' is not a valid domain (use \(Format.domain.explanation))")
        }
        if let email, !Format.email.matches(email) {
            throw RunError(description: "error: --email '\(email)' is not a valid email address (use \(Format.email.explanation))")
        }
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
        let text = CustomerScaffold.manifest(code: customerCode, name: name, reseller: reseller, type: customerType, domain: domain, contactEmail: email)
        guard write else { return Outcome(code: customerCode, text: text) }
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
        return Outcome(code: customerCode, text: text, path: path)
    }
}
