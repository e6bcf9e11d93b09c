import ArgumentParser
import Foundation
import ProvisorEngineKit
import ProvisorMicrosoftEngine

/// `provisor-engine-microsoft`: serves Provisor's exec protocol for a Microsoft cloud-solution
/// provider, through Partner Center and Microsoft Graph.
@main
struct MicrosoftEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisor-engine-microsoft",
        abstract: "Provisor's Microsoft CSP engine: tenants, users, licences and subscriptions through Partner Center and Microsoft Graph.",
        discussion: """
            Provisor runs it as an exec engine (docs/engines.md, "The Microsoft engine"). It reads its settings from the \
            environment the Engine manifest's exec.environment gives it: MICROSOFT_PARTNER_TENANT, MICROSOFT_APPLICATION_ID and \
            MICROSOFT_APPLICATION_SECRET (required); MICROSOFT_LOGIN_URL, MICROSOFT_PARTNER_CENTER_URL and MICROSOFT_GRAPH_URL \
            (Microsoft's public cloud by default); MICROSOFT_RESELLER, MICROSOFT_OFFERS, MICROSOFT_LICENCE_SERVICE, MICROSOFT_PARTNER_CENTER_BUDGET and MICROSOFT_LONGEST_WAIT_SECONDS.
            """
    )

    @Option(help: ArgumentHelp("Remember the message ids answered in this file, so a message sent again is not carried out twice.", valueName: "FILE"))
    var answers: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let answered = try answers.map { path in
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            return try AnswerFile(path: path)
        }
        switch MicrosoftSettings.from(environment) {
        case .success(let settings):
            MicrosoftEngine(settings: settings, answered: answered, offers: environment["MICROSOFT_OFFERS"]).run()
        case .failure(let failure):
            // Every message is answered with what to configure, rather than the program dying.
            let engine = ExecEngine(answered: nil)
            for action in ["provision", "update", "deprovision", "adjust-subscription"] {
                engine.handle(action) { _ in throw EngineFailure.refuse(failure.description) }
            }
            engine.observe { throw EngineFailure.refuse(failure.description) }
            engine.subscriptions { () throws -> [JSONValue] in throw EngineFailure.refuse(failure.description) }
            engine.run()
        }
    }
}
