import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

/// Issue 45's findings in the core, each as the attacker or careless operator found it.
@Suite struct HardeningTests {
    /// A delegated reseller MID names two of its customers after its parent (ROOT) and after the
    /// provider's word for the whole estate: neither brings the parent's margin to MID's channel,
    /// and MID's headline is MID's own margin.
    @Test func aResellersChannelGetsMarginsByLevelNeverByAName() throws {
        var files = RightsizingManifestTests.manifests
        files["customers.yaml"] = ["AAA": "ROOT", "ROOT": "MID", "MID": "MID"].sorted { $0.key < $1.key }.map { code, reseller in
            "apiVersion: provisor/v1\nkind: Customer\nmetadata: { code: \(code), name: \(code) }\nspec:\n  reseller: \(reseller)\n  domains: { primary: \(code.lowercased()).example }\n"
        }.joined(separator: "---\n")
        let report = try ManifestPipeline.run(MemorySource(files: files))
        func margin(_ amount: Decimal) -> Margin { Margin(purchased: 1, assigned: 1, billed: 1, cost: 0, revenue: amount) }
        func line(_ name: String, _ level: RightsizingReport.Line.Level, _ amount: Decimal) -> RightsizingReport.Line {
            RightsizingReport.Line(name: name, level: level, before: margin(amount), after: margin(amount))
        }
        let notice = Notice(
            event: .rightsizing, title: "right-sizing changed 3 subscriptions",
            lines: ["AAA", "ROOT", "MID"].map { Notice.Line(address: .customer($0), engine: "csp", text: "decrease sub-\($0)") },
            margins: [
                line("provider", .provider, 1000), line("MID", .reseller, 20), line("ROOT", .reseller, 900), line("AAA", .customer, 800),
                line("MID", .customer, 5), line("ROOT", .customer, 15),
            ])
        let scoped = try #require(notice.scoped(to: "MID", in: report.desired))
        #expect(scoped.lines.map(\.text) == ["decrease sub-ROOT", "decrease sub-MID"])
        #expect(scoped.margins.map { "\($0.level.rawValue) \($0.name)" } == ["reseller MID", "customer MID", "customer ROOT"], "its own first, no parent")
        #expect(!scoped.margins.contains { $0.before.revenue == 900 || $0.before.revenue == 1000 })
        #expect(scoped.title.contains("of MID; monthly margin $20.00 → $20.00"), "\(scoped.title)")
    }

    /// `--at 2026-02-30` is not March 2, and `--at 2026-11-21junk` is not a date.
    @Test(arguments: [
        "2026-02-30", "2026-13-01", "2026-11-31", "2026-11-21junk", "2026-11-21T24:00:00Z", "2026-11-21T09:60:00Z", " 2026-11-21", "2026-11-21T09:00:00",
        "2025-02-29",
    ])
    func anImpossibleOrTrailedDateIsNotADate(_ text: String) {
        #expect(ISODate.parse(text) == nil)
    }

    @Test func realDatesStillParse() {
        #expect(ISODate.parse("2028-02-29").map(ISODate.day) == "2028-02-29")
        #expect(ISODate.parse("2026-11-21T09:00:00Z") == ISODate.parse("2026-11-21")!.addingTimeInterval(9 * 3600))
        #expect(ISODate.parse("2026-11-21T09:00:00.250Z") != nil)
    }

    /// A secret is found as it is, JSON-escaped, ASCII-escaped and percent-encoded (an API key in
    /// a URL), and a secret inside another is never left half shown.
    @Test func aSecretIsRedactedInEveryFormAnEngineMightQuoteIt() {
        let redaction = Redaction(["k/ü y", "k/ü y+more"])
        #expect(redaction("GET /v1?key=k%2F%C3%BC%20y failed") == "GET /v1?key=(sensitive) failed")
        #expect(redaction(#"{"key": "k/\u00fc y"} and k/ü y+more"#) == #"{"key": "(sensitive)"} and (sensitive)"#)
        #expect(redaction(.terminal("refused k/ü y")) == .terminal("refused (sensitive)"))
        #expect(Redaction([""])("nothing to hide") == "nothing to hide")
    }

    /// `state forget` of a message the engine did carry out: the manifests want the resource, the
    /// engine holds it, the state does not record it. Drift said "No drift" while every reconcile
    /// failed on it; it is reported, with how to record it.
    @Test func aResourceTheEngineHoldsButTheStateDoesNotRecordIsReported() throws {
        let user = ResourceAddress.user("ann", customer: "CUS"), stray = ResourceAddress.user("zed", customer: "CUS")
        let held = [user, stray].map { ObservedResource(address: $0, engine: "platform", attributes: []) }
        let drifts = try DriftDetector.detect(desired: [user], recorded: [], observations: ["platform": .observed(held, at: PinnedTime.date)])
        #expect(drifts.map(\.kind) == [.unmanaged, .unmanaged])
        #expect(drifts.first { $0.address == user }?.reason == DriftDetector.unrecorded("platform"))
        #expect(DriftDetector.unrecorded("platform").hasSuffix("provisor import --engine platform records it"))
        #expect(drifts.first { $0.address == stray }?.reason == nil, "in neither the manifests nor the state: left alone, as before")
    }

    /// Every one-bit change of any byte of a row (kept ASCII, as JSON mostly is) changes its
    /// checksum, in every field, and fields cannot trade bytes.
    @Test func aRowsChecksumChangesWithAnyBitOfIt() {
        let attributes = #"{"displayName": "Alice Jones", "seats": 10, "upn": "alice@jonesbaker.example"}"#
        func sum(_ attributes: String, address: String = "customer/JBL/user/alice", engine: String = "platform-eu") -> Int64 {
            RowChecksum.of(address: address, parent: "customer/JBL", engine: engine, attributes: attributes, outputs: "{}", serial: 7)
        }
        let original = sum(attributes)
        var bytes = Array(attributes.utf8), unchanged = 0
        for index in bytes.indices {
            for bit in 0..<7 {
                bytes[index] ^= 1 << bit
                if sum(String(decoding: bytes, as: UTF8.self)) == original { unchanged += 1 }
                bytes[index] ^= 1 << bit
            }
        }
        #expect(unchanged == 0)
        #expect(sum(attributes, address: "customer/JBL/user/alic", engine: "eplatform-eu") != original, "a byte moved across fields")
    }
}
