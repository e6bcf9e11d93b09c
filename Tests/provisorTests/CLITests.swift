import Foundation
import Testing

/// End-to-end tests: the built `provisor` binary, run as a user would, in temporary directories.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The `provisor` executable next to the test bundle (SwiftPM builds it first).
let provisorBinary: URL = {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(),
        Bundle.main.bundleURL,
        packageRoot.appendingPathComponent(".build/debug"),
    ]
    return candidates.map { $0.appendingPathComponent("provisor") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        ?? packageRoot.appendingPathComponent(".build/debug/provisor")
}()

/// The bundled simulated engine, built beside `provisor`.
let simulatedEngineBinary = provisorBinary.deletingLastPathComponent().appendingPathComponent("provisor-simulated-engine")

func provisor(_ arguments: [String], in directory: URL = packageRoot, environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = provisorBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// A temporary directory holding a copy of the example estate, removed afterwards.
func withExampleCopy(_ body: (URL) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for item in ["manifests", "provisor.yaml"] {
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("examples/\(item)"), to: directory.appendingPathComponent(item))
    }
    try body(directory)
}

@Suite struct ValidateCommandTests {
    @Test(arguments: [
        ["validate", "examples/manifests"], ["validate", "--manifests", "examples/manifests"], ["validate", "--config", "examples/provisor.yaml"],
    ])
    func theExamplesAreValid(_ arguments: [String]) throws {
        let run = try provisor(arguments)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stdout == """
                Valid: 27 files, 70 documents (7 engines, 5 services, 3 resellers, 9 customers, 46 users).
                Resolved 132 resources (3 resellers, 9 customers, 10 customer-services, 46 users, 64 user-services).

                """)
    }

    @Test func provisorYamlInTheWorkingDirectoryIsFound() throws {
        try withExampleCopy { directory in
            let run = try provisor(["validate"], in: directory)
            #expect(run.status == 0)
            #expect(run.stdout.hasPrefix("Valid: 27 files"))
        }
    }

    @Test func anInvalidEstateExitsOneWithFileLineColumn() throws {
        try withExampleCopy { directory in
            let file = directory.appendingPathComponent("manifests/customers/jbl/customer.yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            try text.replacingOccurrences(of: "  reseller: ACME", with: "  reseller: ACMR").replacingOccurrences(of: "type: standard", with: "type: gold")
                .write(to: file, atomically: true, encoding: .utf8)
            let run = try provisor(["validate"], in: directory)
            #expect(run.status == 1)
            #expect(
                run.stdout == """
                    manifests/customers/jbl/customer.yaml:8:13: error: unknown reseller 'ACMR' (did you mean 'ACME'?)
                    manifests/customers/jbl/customer.yaml:9:9: error: invalid value 'gold' for 'type' (expected one of: standard, test, demo)
                    Invalid: 2 errors in 1 file.

                    """)
        }
    }

    @Test func jsonOutputIsMachineReadable() throws {
        try withExampleCopy { directory in
            try "apiVersion: provisor/v1\nkind: Enigne\n".write(to: directory.appendingPathComponent("manifests/bad.yaml"), atomically: true, encoding: .utf8)
            let run = try provisor(["validate", "--format", "json"], in: directory)
            #expect(run.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["valid"] as? Bool == false)
            #expect(object["format_version"] as? String == "1")
            let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
            #expect(diagnostics.count == 2)
            #expect(diagnostics.first?["file"] as? String == "manifests/bad.yaml")
            #expect(diagnostics.first?["line"] as? Int == 1)
            #expect(diagnostics.map { $0["message"] as? String } == ["missing required field 'metadata' in the manifest", "unknown kind 'Enigne'"])
            #expect(diagnostics.last?["hint"] as? String == "did you mean 'Engine'?")
        }
    }

    @Test func githubOutputIsWorkflowAnnotations() throws {
        try withExampleCopy { directory in
            try "apiVersion: provisor/v1\nkind: Engine\nmetadata: { name: x }\nspec: { adapter: ftp }\n"
                .write(to: directory.appendingPathComponent("manifests/bad.yaml"), atomically: true, encoding: .utf8)
            let run = try provisor(["validate", "--format", "github"], in: directory)
            #expect(run.status == 1)
            #expect(
                run.stdout == """
                    ::error file=manifests/bad.yaml,line=4,col=18,title=provisor validate::invalid value 'ftp' for 'adapter' (expected one of: exec, http, outbox, simulated, amqp)
                    provisor: 1 error

                    """)
        }
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        let run = try provisor(["validate", "--manifests", "no/such/dir"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "error: manifests directory 'no/such/dir' does not exist (pass --manifests DIR, or set 'manifests:' in provisor.yaml)\n")
    }

    @Test func anInvalidConfigIsReportedWithItsPosition() throws {
        try withExampleCopy { directory in
            try "manifests: manifests\nsafety: { maxDeletes: lots }\n".write(
                to: directory.appendingPathComponent("provisor.yaml"), atomically: true, encoding: .utf8)
            let run = try provisor(["validate"], in: directory)
            #expect(run.status == 1)
            #expect(
                run.stderr == """
                    provisor.yaml:2:23: error: 'maxDeletes' must be a whole number, found the string "lots" (write digits only, without quotes)
                    error: provisor.yaml is not a valid configuration

                    """)
        }
    }

    @Test func markdownIsRefusedForValidate() throws {
        let run = try provisor(["validate", "examples/manifests", "--format", "markdown"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("validate prints human, json, github or gitlab"))
    }
}

@Suite struct NewCustomerCommandTests {
    @Test func printsAManifestWithAFreeCode() throws {
        try withExampleCopy { directory in
            let run = try provisor(["new", "customer", "Jones the Baker Ltd", "--reseller", "ACME", "--domain", "jbl2.example"], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("  code: JBL2\n"))
            #expect(run.stdout.contains("  name: Jones the Baker Ltd\n"))
            #expect(run.stdout.contains("  reseller: ACME\n"))
        }
    }

    @Test func writesAManifestThatValidates() throws {
        try withExampleCopy { directory in
            let run = try provisor(["new", "customer", "Kauri Timber Co", "--reseller", "KIWI", "--write"], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "Wrote manifests/customers/KTC.yaml (customer KTC).\n")
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("manifests/customers/KTC.yaml").path))
            let again = try provisor(["new", "customer", "Kauri Timber Co", "--reseller", "KIWI", "--code", "KTC", "--write"], in: directory)
            #expect(again.status == 1)
            #expect(again.stderr == "error: customer code 'KTC' is already taken (omit --code to generate a free one)\n")
            let validate = try provisor(["validate"], in: directory)
            #expect(validate.status == 0, "\(validate.stdout)")
            #expect(validate.stdout.contains("10 customers"))
        }
    }

    @Test func anUnknownResellerIsRefusedWithASuggestion() throws {
        try withExampleCopy { directory in
            let run = try provisor(["new", "customer", "Someone", "--reseller", "AMCE"], in: directory)
            #expect(run.status == 1)
            #expect(run.stderr == "error: unknown reseller 'AMCE' in manifests (did you mean 'ACME'?)\n")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func badOptionsAreRefused() throws {
        try withExampleCopy { directory in
            let code = try provisor(["new", "customer", "Someone", "--reseller", "ACME", "--code", "x1"], in: directory)
            #expect(code.status == 1)
            #expect(code.stderr.hasPrefix("error: --code 'x1' is not a valid customer code"))
            let type = try provisor(["new", "customer", "Someone", "--reseller", "ACME", "--type", "gold"], in: directory)
            #expect(type.stderr == "error: invalid --type 'gold' (expected one of: standard, test, demo)\n")
        }
    }
}
