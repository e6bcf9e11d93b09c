import Foundation
import ProvisorTesting
import Testing

@testable import ProvisorCore

@Suite struct AttributeDocumentTests {
    static let attributes = [
        Attribute(name: "a.list", value: .list(["x", "y \"quoted\""])),
        Attribute(name: "b.empty", value: .list([])),
        Attribute(name: "c.flag", value: .boolean(false)),
        Attribute(name: "d.count", value: .integer(-42)),
        Attribute(name: "e.price", value: .number(Decimal(string: "16.50")!)),
        Attribute(name: "f.whole", value: .number(16)),
        Attribute(name: "g.secret", value: .secret(reference: "env:PASSWORD")),
        Attribute(name: "h.text", value: .string("tab\there\nnew line, \u{7} bell, ü ✓ \\ /")),
    ]

    @Test func roundTripsEveryKindOfValue() throws {
        let document = AttributeDocument(Self.attributes)
        #expect(try document.decode() == Self.attributes)
        #expect(try AttributeDocument(json: document.json).decode() == Self.attributes)
    }

    @Test func theTextIsCanonicalSoEqualValuesGiveEqualDocuments() {
        let written = AttributeDocument([Attribute(name: "p", value: .number(Decimal(string: "16.00")!))])
        let other = AttributeDocument([Attribute(name: "p", value: .number(Decimal(string: "16")!))])
        #expect(written == other)
        #expect(written.json == #"{"p":16.0}"#)
        // A whole number stays a number, distinct from an integer.
        #expect(AttributeDocument([Attribute(name: "p", value: .integer(16))]).json == #"{"p":16}"#)
        #expect(AttributeDocument(Self.attributes).json.contains(#""g.secret":{"secretRef":"env:PASSWORD"}"#))
    }

    @Test(arguments: [
        (#"{"a":1"#, "unexpected end at byte 6"),
        (#"{"a":1} x"#, "unexpected text after the object at byte 8"),
        (#"{"a":nope}"#, "expected a value at byte 5"),
        (#"{"a":tru}"#, "unknown word 'tru' at byte 5"),
        (#"{"a":{"other":"x"}}"#, #"an object value must be {"secretRef": ...} at byte 13"#),
        (#"{"a":[1]}"#, "expected '\"' at byte 6"),
        (#"{"a":"\q"}"#, "unknown escape at byte 6"),
        (#"{"a":-}"#, "'-' is not a number at byte 5"),
        (#"{"a":"x\"#, "unterminated string at byte 8"),
        (#"{"a":"\u12"}"#, "bad \\u escape at byte 6"),
        (#"{"a":"ok\"#, "unterminated string at byte 9"),
    ])
    func damagedTextIsRefusedWithWhereAndWhat(_ json: String, _ message: String) {
        #expect(throws: AttributeDocumentError.self) { try AttributeDocument(json: json).decode() }
        do {
            _ = try AttributeDocument(json: json).decode()
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func aDamagedRecordNamesTheResourceAndTheStore() {
        let record = RecordedResource(
            address: .customer("CUS"), parent: nil, engine: "e", attributes: AttributeDocument(json: "{"), serial: 1, updatedAt: PinnedTime.date)
        #expect(throws: StateError.corruptRecord(address: "customer/CUS", reason: "unexpected end at byte 1", store: "SQLite s.db")) {
            try StateError.reading("SQLite s.db") { try record.decodedAttributes() }
        }
        #expect(
            StateError.corruptRecord(address: "customer/CUS", reason: "x", store: "SQLite s.db").description
                == "error: the recorded attributes of customer/CUS in SQLite s.db are damaged (x); restore the state from a backup")
    }
}

@Suite struct DifferTests {
    func desired(_ address: ResourceAddress, _ attributes: [Attribute]) -> DesiredResource {
        DesiredResource(address: address, parent: nil, engine: "e", attributes: attributes)
    }

    func recorded(_ address: ResourceAddress, _ attributes: [Attribute]) -> RecordedResource {
        RecordedResource(address: address, parent: nil, engine: "e", attributes: AttributeDocument(attributes), serial: 1, updatedAt: PinnedTime.date)
    }

    @Test func valuesCompareByValueAndAnAttributeOnlyRecordedIsNotARemoval() throws {
        let state = DesiredState(resources: [desired(.customer("A"), [Attribute(name: "price", value: .number(Decimal(string: "16.00")!))])])
        let result = try Differ.diff(
            desired: state,
            recorded: [
                recorded(
                    .customer("A"),
                    [
                        Attribute(name: "legacy", value: .string("kept")),
                        Attribute(name: "price", value: .number(16)),
                    ])
            ])
        #expect(result.changes.isEmpty)
        #expect(result.unchanged == 1)
    }

    @Test func anUpdateListsOnlyWhatChangedWithOldAndNew() throws {
        let state = DesiredState(resources: [
            desired(
                .customer("A"),
                [
                    Attribute(name: "added", value: .integer(1)),
                    Attribute(name: "name", value: .string("New")),
                    Attribute(name: "same", value: .boolean(true)),
                ])
        ])
        let result = try Differ.diff(
            desired: state,
            recorded: [
                recorded(
                    .customer("A"),
                    [
                        Attribute(name: "name", value: .string("Old")),
                        Attribute(name: "same", value: .boolean(true)),
                        Attribute(name: "unmanaged", value: .string("x")),
                    ])
            ])
        #expect(result.changes.map(\.action) == [.update])
        #expect(
            result.changes.first?.changedAttributes == [
                Change.AttributeChange(name: "added", old: nil, new: .integer(1)),
                Change.AttributeChange(name: "name", old: .string("Old"), new: .string("New")),
            ])
    }
}

@Suite struct SafetyTests {
    func deletes(_ count: Int, protected: Set<String> = []) -> [Change] {
        (0..<count).map { index in
            let code = "C\(index)"
            return Change(
                action: .delete, address: .customer(code), parent: .reseller("ROOT"), engine: "e", reason: .removedFromManifests,
                attributes: [Attribute(name: "protect", value: .boolean(protected.contains(code)))])
        }
    }

    @Test func withinBothLimitsNothingIsRefused() {
        #expect(Planner.refusals(deletes: deletes(50), recorded: 250, policy: SafetyPolicy()).isEmpty)
        #expect(Planner.refusals(deletes: [], recorded: 0, policy: SafetyPolicy()).isEmpty)
    }

    @Test func moreThanMaxDeletesIsRefused() {
        #expect(Planner.refusals(deletes: deletes(51), recorded: 1_000, policy: SafetyPolicy()) == [.tooManyDeletes(count: 51, limit: 50)])
        #expect(
            Refusal.tooManyDeletes(count: 51, limit: 50).description
                == "the plan deletes 51 resources, more than safety.maxDeletes (50); check the deletions, then rerun with --allow-deletes 51 if they are intended"
        )
    }

    @Test func moreThanMaxDeletePercentIsRefused() {
        #expect(Planner.refusals(deletes: deletes(21), recorded: 100, policy: SafetyPolicy()) == [.tooLargeShare(count: 21, recorded: 100, limit: 20)])
        #expect(Planner.refusals(deletes: deletes(20), recorded: 100, policy: SafetyPolicy()).isEmpty)
        #expect(
            Planner.refusals(deletes: deletes(3), recorded: 10, policy: SafetyPolicy(maxDeletes: 2, maxDeletePercent: 5))
                == [.tooManyDeletes(count: 3, limit: 2), .tooLargeShare(count: 3, recorded: 10, limit: 5)])
    }

    @Test func deletingEverythingIsRefusedWhateverTheLimits() {
        #expect(
            Planner.refusals(deletes: deletes(3), recorded: 3, policy: SafetyPolicy(maxDeletes: 100, maxDeletePercent: 100))
                == [.deletesEverything(count: 3)])
    }

    @Test func allowDeletesAcceptsUpToItsNumber() {
        #expect(Planner.refusals(deletes: deletes(60), recorded: 100, policy: SafetyPolicy(allowedDeletes: 60)).isEmpty)
        #expect(Planner.refusals(deletes: deletes(3), recorded: 3, policy: SafetyPolicy(allowedDeletes: 3)).isEmpty)
        #expect(Planner.refusals(deletes: deletes(61), recorded: 100, policy: SafetyPolicy(allowedDeletes: 60)) == [.allowanceTooSmall(count: 61, allowed: 60)])
    }

    @Test func aProtectedCustomerIsRefusedEvenWithAllowDeletes() {
        #expect(
            Planner.refusals(deletes: deletes(2, protected: ["C1"]), recorded: 100, policy: SafetyPolicy(allowedDeletes: 10))
                == [.protectedCustomer(.customer("C1"))])
    }

    @Test func theRootResellerIsNeverDeleted() {
        let root = Change(action: .delete, address: .reseller("ROOT"), parent: nil, engine: "e", reason: .removedFromManifests, attributes: [])
        #expect(Planner.refusals(deletes: [root], recorded: 100, policy: SafetyPolicy()) == [.rootReseller(.reseller("ROOT"))])
    }

    @Test func percentagesAreRoundedToATenth() {
        #expect(Refusal.percent(4, of: 11) == "36.4%")
        #expect(Refusal.percent(1, of: 4) == "25%")
    }
}
