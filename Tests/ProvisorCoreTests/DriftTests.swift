import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

@Suite struct DriftTests {
    static let alice = ResourceAddress(parsing: "customer/JBL/user/alice")!
    static let bob = ResourceAddress(parsing: "customer/JBL/user/bob")!
    static let mailbox = ResourceAddress(parsing: "customer/JBL/user/bob/service/mailbox")!
    static let stranger = ResourceAddress(parsing: "customer/JBL/user/stranger")!
    static let carol = ResourceAddress(parsing: "customer/JBL/user/carol")!

    func record(_ address: ResourceAddress, engine: String = "csp", _ attributes: [String: AttributeValue]) -> RecordedResource {
        RecordedResource(
            address: address, parent: nil, engine: engine,
            attributes: AttributeDocument(attributes.map { Attribute(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }),
            serial: 1, updatedAt: PinnedTime.date)
    }

    func observed(_ address: ResourceAddress, engine: String = "csp", _ attributes: [String: AttributeValue]) -> ObservedResource {
        ObservedResource(address: address, engine: engine, attributes: attributes.map { Attribute(name: $0.key, value: $0.value) })
    }

    var recorded: [RecordedResource] {
        [
            record(Self.alice, ["displayName": .string("Alice Jones"), "password": .secret(reference: "env:ALICE"), "status": .string("active")]),
            record(Self.bob, ["displayName": .string("Bob Jones")]),
            record(Self.mailbox, ["quotaGB": .integer(50)]),
        ]
    }

    @Test func changedMissingAndUnmanagedAreFoundAndNothingElse() throws {
        let observation = EngineObservation.observed(
            [
                observed(
                    Self.alice,
                    ["displayName": .string("Alice J."), "password": .string("whatever"), "status": .string("active"), "lastLogin": .string("today")]),
                observed(Self.bob, ["displayName": .string("Bob Jones")]),
                observed(Self.stranger, ["displayName": .string("Stranger")]),
                observed(Self.carol, ["displayName": .string("Carol")]),
            ], at: PinnedTime.date)
        let drifts = try DriftDetector.detect(
            desired: [Self.alice, Self.bob, Self.mailbox, Self.carol], recorded: recorded,
            observations: ["csp": observation])
        #expect(
            drifts == [
                Drift(
                    kind: .changed, engine: "csp", address: Self.alice,
                    changes: [Change.AttributeChange(name: "displayName", old: .string("Alice Jones"), new: .string("Alice J."))]),
                Drift(kind: .missing, engine: "csp", address: Self.mailbox),
                Drift(kind: .unmanaged, engine: "csp", address: Self.carol, reason: DriftDetector.unrecorded("csp")),
                Drift(kind: .unmanaged, engine: "csp", address: Self.stranger),
            ], "a secret and an attribute never recorded are not drift; a desired user the state does not record is unmanaged, saying why")
    }

    @Test func onlyTheGivenAddressesAreComparedButAnUnreadableEngineCountsAll() throws {
        let observation = EngineObservation.observed(
            [observed(Self.alice, ["displayName": .string("Alice J.")]), observed(Self.stranger, ["displayName": .string("Stranger")])],
            at: PinnedTime.date)
        let everything = try DriftDetector.detect(desired: [], recorded: recorded, observations: ["csp": observation])
        #expect(everything.map(\.kind) == [.changed, .missing, .missing, .unmanaged], "alice, bob, the mailbox and the stranger: \(everything)")
        for only: Set<ResourceAddress> in [[Self.alice], [Self.mailbox, Self.stranger], []] {
            let some = try DriftDetector.detect(desired: [], recorded: recorded, observations: ["csp": observation], only: only)
            #expect(some == everything.filter { only.contains($0.address!) }, "only \(only)")
        }
        let unknown = try DriftDetector.detect(desired: [], recorded: recorded, observations: ["csp": .unreadable("down")], only: [Self.alice])
        #expect(unknown.map(\.affected) == [3], "an unreadable engine still counts every resource it records")
    }

    @Test func anUnreadableEngineIsUnknownNeverMissing() throws {
        let drifts = try DriftDetector.detect(
            desired: [], recorded: recorded + [record(Self.carol, engine: "hosting", ["x": .integer(1)])],
            observations: ["csp": .unreadable("connection refused"), "hosting": .observed([], at: PinnedTime.date)])
        #expect(
            drifts == [
                Drift(kind: .unknown, engine: "csp", address: nil, reason: "connection refused", affected: 3),
                Drift(kind: .missing, engine: "hosting", address: Self.carol),
            ])
        let notRead = try DriftDetector.detect(desired: [], recorded: recorded, observations: [:])
        #expect(notRead == [Drift(kind: .unknown, engine: "csp", address: nil, reason: DriftDetector.notRead, affected: 3)])
    }

    @Test func ignoreRulesApplyPerKindAndAttribute() throws {
        let observation = EngineObservation.observed(
            [
                observed(Self.alice, ["displayName": .string("Alice J."), "status": .string("suspended")]),
                observed(Self.bob, ["displayName": .string("Bobby")]),
                observed(Self.mailbox, ["quotaGB": .integer(55)]),
            ], at: PinnedTime.date)
        let rules = [DriftIgnoreRule(kind: .user, attribute: "displayName"), DriftIgnoreRule(kind: nil, attribute: "quotaGB")]
        let drifts = try DriftDetector.detect(desired: [], recorded: recorded, observations: ["csp": observation], ignore: rules)
        #expect(
            drifts == [
                Drift(
                    kind: .changed, engine: "csp", address: Self.alice,
                    changes: [Change.AttributeChange(name: "status", old: .string("active"), new: .string("suspended"))])
            ])
    }

    @Test func numbersCompareByValueAndUnsupportedEnginesAreNotChecked() throws {
        let priced = record(Self.mailbox, ["price": .number(16), "quotaGB": .integer(50)])
        let same = EngineObservation.observed([observed(Self.mailbox, ["price": .integer(16), "quotaGB": .number(50)])], at: PinnedTime.date)
        #expect(
            try DriftDetector.detect(desired: [], recorded: [priced], observations: ["csp": same]).isEmpty,
            "16 and 16.0 are the same price")
        let other = EngineObservation.observed(
            [observed(Self.mailbox, ["price": .number(Decimal(string: "16.5")!), "quotaGB": .integer(50)])], at: PinnedTime.date)
        #expect(try DriftDetector.detect(desired: [], recorded: [priced], observations: ["csp": other]).map(\.kind) == [.changed])
        #expect(try DriftDetector.detect(desired: [], recorded: recorded, observations: ["csp": .unsupported("an outbox")]).isEmpty)
    }

    @Test func aRefreshedSnapshotHoldsWhatTheEnginesHold() throws {
        let snapshot = StateSnapshot(header: StateHeader(lineage: "l", serial: 3, resourceCount: 3), resources: recorded)
        let drifts = [
            Drift(
                kind: .changed, engine: "csp", address: Self.alice,
                changes: [Change.AttributeChange(name: "displayName", old: .string("Alice Jones"), new: .string("Alice J."))]),
            Drift(kind: .missing, engine: "csp", address: Self.mailbox),
            Drift(kind: .unmanaged, engine: "csp", address: Self.stranger),
            Drift(kind: .unknown, engine: "hosting", address: nil, reason: "down", affected: 1),
        ]
        let refreshed = try snapshot.refreshed(by: drifts)
        #expect(refreshed.header == snapshot.header, "the plan is still made against the recorded serial")
        #expect(refreshed.resources.map(\.address) == [Self.alice, Self.bob], "the missing mailbox is left out, the unmanaged user not added")
        #expect(
            try refreshed.resources[0].attributes.decode() == [
                Attribute(name: "displayName", value: .string("Alice J.")), Attribute(name: "password", value: .secret(reference: "env:ALICE")),
                Attribute(name: "status", value: .string("active")),
            ])
        #expect(refreshed.resources[1] == snapshot.resources[1])
    }
}
