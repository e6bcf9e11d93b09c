import Foundation
import ProvisorCore

/// What every `StateStore` must do, as checks a test target runs against each store (one
/// fresh, empty store per check). A failed check throws `ConformanceError` saying what
/// differed.
public enum StateStoreConformance {
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case startsEmpty
        case commitRecordsAndIncrementsSerial
        case attributesRoundTripExactly
        case upsertReplacesAndDeleteRemoves
        case outputsAreKeptApartFromAttributes
        case staleSerialChangesNothing
        case filtersByKindAndCustomerInAddressOrder
        case lockIsExclusive
        case brokenLockCannotBeReleased
        case brokenLockStopsWrites
        case journalIsAppendOnlyAndOrdered
        case auditCarriesTheCommitSerial
        case auditKeepsTheCommitAuthorAndMessage
        case unresolvedJournalIsWhatACrashLeftPending
        case observationsKeepTheLastSuccessfulReading
        case aMovedStateSaysWhereItWent

        public var description: String { rawValue }
    }

    public static func run(_ check: Check, on store: any StateStore) async throws {
        switch check {
        case .startsEmpty:
            let header = try await store.header()
            try expect(header.serial == 0 && header.resourceCount == 0, "a new store has serial 0 and no resources, found \(header)")
            try expect(header.lineage?.isEmpty == false, "a new store has a lineage")
            try expect(try await store.snapshot().resources.isEmpty, "a new store's snapshot is empty")
            try expect(try await store.currentLock() == nil, "a new store is not locked")

        case .commitRecordsAndIncrementsSerial:
            let before = try await store.header()
            let first = try await store.commit(StateWrite(upserts: samples, at: PinnedTime.date))
            try expect(first.serial == before.serial + 1, "a commit increases the serial by one: \(before.serial) → \(first.serial)")
            try expect(first.lineage == before.lineage, "the lineage never changes")
            try expect(first.resourceCount == samples.count, "\(samples.count) resources recorded, header says \(first.resourceCount)")
            let second = try await store.commit(StateWrite(at: PinnedTime.date))
            try expect(second.serial == first.serial + 1, "every commit increases the serial, even an empty one")
            let snapshot = try await store.snapshot()
            try expect(snapshot.header == second, "the snapshot's header is the store's header")
            try expect(Set(snapshot.resources.map(\.address)) == Set(samples.map(\.address)), "the snapshot holds every recorded address")
            for resource in snapshot.resources {
                try expect(resource.serial == first.serial, "\(resource.address) records the serial that wrote it (\(first.serial)), found \(resource.serial)")
            }

        case .attributesRoundTripExactly:
            try await store.commit(StateWrite(upserts: samples, at: PinnedTime.date))
            for sample in samples {
                guard let read = try await store.resource(at: sample.address) else { throw ConformanceError("\(sample.address) was not recorded") }
                try expect(read.attributes == sample.attributes, "\(sample.address) reads back \(read.attributes), wrote \(sample.attributes)")
                try expect(read.parent == sample.parent && read.engine == sample.engine, "\(sample.address) keeps its parent and engine")
                try expect(try read.attributes.decode() == sample.attributes.decode(), "\(sample.address) decodes to the same values")
            }
            try expect(try await store.resource(at: .customer("NOPE")) == nil, "an unknown address reads as nil")

        case .upsertReplacesAndDeleteRemoves:
            let first = try await store.commit(StateWrite(upserts: samples, at: PinnedTime.date))
            var changed = samples[1]
            changed.attributes = AttributeDocument([Attribute(name: "name", value: .string("Renamed"))])
            let second = try await store.commit(StateWrite(upserts: [changed], deletes: [samples[3].address], at: PinnedTime.date))
            try expect(second.resourceCount == samples.count - 1, "one resource deleted: \(second.resourceCount) left")
            try expect(try await store.resource(at: samples[3].address) == nil, "a deleted resource is gone")
            let replaced = try await store.resource(at: changed.address)
            try expect(replaced?.attributes == changed.attributes && replaced?.serial == second.serial, "an upsert replaces the record and its serial")
            let untouched = try await store.resource(at: samples[0].address)
            try expect(untouched?.serial == first.serial, "an untouched resource keeps the serial that wrote it")

        case .outputsAreKeptApartFromAttributes:
            var sample = samples[1]
            sample.outputs = AttributeDocument([Attribute(name: "tenantId", value: .string("8f2c-\u{e9}"))])
            try await store.commit(StateWrite(upserts: [sample, samples[0]], at: PinnedTime.date))
            let read = try await store.resource(at: sample.address)
            try expect(read?.outputs == sample.outputs && read?.attributes == sample.attributes, "outputs read back apart from the attributes")
            try expect(try await store.resource(at: samples[0].address)?.outputs.isEmpty == true, "a resource written without outputs has none")
            try expect(try await store.snapshot().resources.first { $0.address == sample.address }?.outputs == sample.outputs, "the snapshot has them too")
            sample.outputs = .empty
            try await store.commit(StateWrite(upserts: [sample], at: PinnedTime.date))
            try expect(try await store.resource(at: sample.address)?.outputs.isEmpty == true, "a write replaces the outputs whole")

        case .staleSerialChangesNothing:
            let header = try await store.commit(StateWrite(upserts: samples, at: PinnedTime.date))
            do {
                try await store.commit(StateWrite(deletes: samples.map(\.address), expectedSerial: header.serial - 1, at: PinnedTime.date))
                throw ConformanceError("a commit expecting an old serial was accepted")
            } catch StateError.serialMismatch(let expected, let found, _) {
                try expect(expected == header.serial - 1 && found == header.serial, "the mismatch names both serials")
            }
            try expect(try await store.header() == header, "a refused commit changes nothing")
            try await store.commit(StateWrite(expectedSerial: header.serial, at: PinnedTime.date))

        case .filtersByKindAndCustomerInAddressOrder:
            try await store.commit(StateWrite(upserts: samples.reversed(), at: PinnedTime.date))
            let all = try await store.resources(matching: .all).map(\.address)
            try expect(all == samples.map(\.address).sorted(), "all resources in address order, found \(all)")
            let users = try await store.resources(matching: ResourceFilter(kind: .user)).map(\.address)
            try expect(users == [.user("ann", customer: "CUS")], "only users, found \(users)")
            let customer = try await store.resources(matching: ResourceFilter(customer: "CUS")).map(\.address)
            try expect(customer == samples.map(\.address).filter { $0.customer == "CUS" }.sorted(), "only CUS's resources, found \(customer)")
            let both = try await store.resources(matching: ResourceFilter(kind: .customer, customer: "OTHER")).map(\.address)
            try expect(both == [.customer("OTHER")], "kind and customer together, found \(both)")

        case .lockIsExclusive:
            let first = try await store.acquireLock(LockRequest(holder: "ann@ci", processID: 41, operation: "reconcile", at: PinnedTime.date))
            do {
                _ = try await store.acquireLock(LockRequest(holder: "bob@laptop", processID: 42, operation: "rightsize", at: PinnedTime.date))
                throw ConformanceError("a second lock was granted while the first was held")
            } catch StateError.locked(let holder, _) {
                try expect(
                    holder.holder == "ann@ci" && holder.processID == 41 && holder.operation == "reconcile" && holder.id == first.id,
                    "the refusal names who holds the lock, found \(holder)")
                try expect(abs(holder.acquiredAt.timeIntervalSince(first.acquiredAt)) < 1, "the refusal says since when")
            }
            try expect(try await store.currentLock()?.id == first.id, "the current lock is the first one")
            try await store.releaseLock(first)
            try expect(try await store.currentLock() == nil, "a released lock is gone")
            let again = try await store.acquireLock(LockRequest(holder: "bob@laptop", processID: 42, operation: "rightsize", at: PinnedTime.date))
            try await store.releaseLock(again)

        case .aMovedStateSaysWhereItWent:
            try expect(try await store.movedTo() == nil, "a new state has not moved")
            try await store.markMoved(to: "PostgreSQL provisor@db:5432/provisor")
            try expect(try await store.movedTo() == "PostgreSQL provisor@db:5432/provisor", "the state says where it went")

        case .brokenLockCannotBeReleased:
            let held = try await store.acquireLock(LockRequest(holder: "ann@ci", processID: 41, operation: "reconcile", at: PinnedTime.date))
            let broken = try await store.breakLock()
            try expect(broken?.id == held.id, "breaking the lock returns what it removed")
            do {
                try await store.releaseLock(held)
                throw ConformanceError("a broken lock was released as if still held")
            } catch StateError.lockNotHeld(let id, _) {
                try expect(id == held.id, "the refusal names the lock")
            }
            try expect(try await store.breakLock() == nil, "breaking no lock returns nil")

        case .brokenLockStopsWrites:
            // The run holding the lock writes; once the lock is broken (state unlock from another
            // process) and another run takes it, the first run's writes are refused.
            let held = try await store.acquireLock(LockRequest(holder: "ann@ci", processID: 41, operation: "reconcile", at: PinnedTime.date))
            _ = try await store.commit(StateWrite(upserts: [samples[0]], at: PinnedTime.date))
            _ = try await store.breakLock()
            let entry = JournalEntry(run: "r1", address: samples[1].address, action: "create", status: .pending, messageID: "m-late", at: PinnedTime.date)
            do {
                _ = try await store.commit(StateWrite(upserts: [samples[1]], at: PinnedTime.date))
                throw ConformanceError("a commit was written after the lock was broken")
            } catch StateError.lockNotHeld(let id, _) {
                try expect(id == held.id, "the refusal names the broken lock")
            }
            do {
                _ = try await store.appendJournal([entry])
                throw ConformanceError("a journal entry was written after the lock was broken")
            } catch StateError.lockNotHeld(let id, _) {
                try expect(id == held.id, "the refusal names the broken lock")
            }
            try expect(try await store.resource(at: samples[1].address) == nil, "nothing of the refused commit landed")
            try expect(try await store.journal(run: "r1").isEmpty, "nothing of the refused journal entry landed")

        case .journalIsAppendOnlyAndOrdered:
            let written = try await store.appendJournal([
                JournalEntry(run: "r1", address: .customer("CUS"), action: "create", status: .pending, messageID: "m1", at: PinnedTime.date),
                JournalEntry(run: "r2", address: .customer("OTHER"), action: "create", status: .pending, messageID: "m2", at: PinnedTime.date),
            ])
            let more = try await store.appendJournal([
                JournalEntry(
                    run: "r1", address: .customer("CUS"), action: "create", status: .succeeded, messageID: "m1", detail: "tenant 42", at: PinnedTime.date)
            ])
            let sequences = (written + more).map(\.sequence)
            try expect(sequences == sequences.sorted() && Set(sequences).count == 3 && sequences.allSatisfy { $0 > 0 }, "sequences increase: \(sequences)")
            let run = try await store.journal(run: "r1")
            try expect(run.map(\.status) == [.pending, .succeeded] && run.last?.detail == "tenant 42", "one run's entries in order, found \(run)")
            try expect(try await store.journal(run: nil).count == 3, "every entry kept")

        case .auditCarriesTheCommitSerial:
            let entry = AuditEntry(at: PinnedTime.date, actor: "ann@ci", address: .customer("CUS"), action: "create", detail: "new in manifests")
            let first = try await store.commit(StateWrite(upserts: samples, audit: [entry], at: PinnedTime.date))
            let second = try await store.commit(
                StateWrite(
                    deletes: [samples[3].address],
                    audit: [AuditEntry(at: PinnedTime.date, actor: "ann@ci", address: samples[3].address, action: "delete")], at: PinnedTime.date))
            let all = try await store.audit(address: nil)
            try expect(all.map(\.serial) == [first.serial, second.serial], "audit entries carry their commit's serial, found \(all.map(\.serial))")
            try expect(all.map(\.sequence) == all.map(\.sequence).sorted() && all[0].sequence < all[1].sequence, "audit entries in order")
            let one = try await store.audit(address: .customer("CUS"))
            try expect(one.count == 1 && one[0].actor == "ann@ci" && one[0].detail == "new in manifests", "one resource's audit, found \(one)")
            try expect(one[0].commit == nil, "an entry without a commit reads back without one")

        case .auditKeepsTheCommitAuthorAndMessage:
            let commit = CommitInfo(
                sha: String(repeating: "ab", count: 20), authorName: "Ana Lima", authorEmail: "ana@acme.example",
                authoredAt: Date(timeIntervalSince1970: 1_790_000_000), message: "Add JBL's users\n\nTicket 42: ü ✓\n")
            let other = CommitInfo(
                sha: String(repeating: "cd", count: 20), authorName: "Ben", authorEmail: "", authoredAt: Date(timeIntervalSince1970: 0), message: "")
            try await store.commit(
                StateWrite(
                    upserts: [samples[0]],
                    audit: [
                        AuditEntry(at: PinnedTime.date, actor: "ci", address: samples[0].address, action: "create", commit: commit),
                        AuditEntry(at: PinnedTime.date, actor: "ci", address: samples[1].address, action: "create", commit: commit),
                    ], at: PinnedTime.date))
            try await store.commit(
                StateWrite(
                    audit: [
                        AuditEntry(at: PinnedTime.date, actor: "ci", address: samples[1].address, action: "update", commit: other),
                        AuditEntry(at: PinnedTime.date, actor: "ci", address: samples[2].address, action: "update", commit: commit),
                    ], at: PinnedTime.date))
            let all = try await store.audit(address: nil)
            try expect(
                all.map(\.commit) == [commit, commit, other, commit], "every entry keeps its commit's SHA, author, time and message, found \(all.map(\.commit))"
            )

        case .unresolvedJournalIsWhatACrashLeftPending:
            let payload = JournalEntry.Payload(
                parent: samples[0].parent, engine: samples[0].engine, attributes: samples[0].attributes,
                previous: AttributeDocument([Attribute(name: "name", value: .string("Old"))]))
            let pending = ["a", "b", "c"].map { id in
                JournalEntry(
                    run: "run-1", address: samples[0].address, action: "create", status: .pending, messageID: "pm-\(id)", payload: payload, at: PinnedTime.date)
            }
            try await store.appendJournal(pending)
            // "a" succeeded with the resource in one commit; "b" failed; "c" was never answered,
            // and a second run left it pending again.
            try await store.commit(
                StateWrite(
                    upserts: [samples[0]], audit: [AuditEntry(at: PinnedTime.date, actor: "test", address: samples[0].address, action: "provision")],
                    journal: [
                        JournalEntry(run: "run-1", address: samples[0].address, action: "create", status: .succeeded, messageID: "pm-a", at: PinnedTime.date)
                    ], at: PinnedTime.date))
            try await store.appendJournal([
                JournalEntry(
                    run: "run-1", address: samples[0].address, action: "create", status: .failed, messageID: "pm-b", detail: "refused", at: PinnedTime.date)
            ])
            try await store.appendJournal([
                JournalEntry(
                    run: "run-2", address: samples[0].address, action: "create", status: .pending, messageID: "pm-c", payload: payload, at: PinnedTime.date)
            ])
            let unresolved = try await store.unresolvedJournal()
            try expect(unresolved.map(\.messageID) == ["pm-c"], "only pm-c is unresolved, found \(unresolved.map(\.messageID))")
            try expect(unresolved.first?.run == "run-2", "the latest pending entry of a message is the one returned")
            try expect(unresolved.first?.payload == payload, "the payload reads back exactly: \(String(describing: unresolved.first?.payload))")
            try expect(
                try await store.journal(run: "run-1").map(\.status) == [.pending, .pending, .pending, .succeeded, .failed],
                "the commit appended its journal entry")
            // A broker took pm-c and its answer is still to come: it stays open as sent, with its
            // payload, until a closing entry.
            try await store.appendJournal([
                JournalEntry(
                    run: "run-2", address: samples[0].address, action: "create", status: .sent, messageID: "pm-c", detail: "waits on queue q",
                    payload: payload, at: PinnedTime.date)
            ])
            let sent = try await store.unresolvedJournal()
            try expect(sent.map(\.status) == [.sent] && sent.first?.payload == payload, "a sent entry stays open with its payload, found \(sent)")
            try await store.appendJournal([
                JournalEntry(run: "run-3", address: samples[0].address, action: "create", status: .succeeded, messageID: "pm-c", at: PinnedTime.date)
            ])
            try expect(try await store.unresolvedJournal().isEmpty, "the collected answer closes it")

        case .observationsKeepTheLastSuccessfulReading:
            try expect(try await store.observations().isEmpty, "a new store has no observations")
            let first = Date(timeIntervalSince1970: 1_800_000_000), second = first.addingTimeInterval(3600), third = second.addingTimeInterval(3600)
            let held = try samples.filter { $0.engine == "platform" }.map { sample in
                ObservedResource(
                    address: sample.address, engine: "platform",
                    attributes: try sample.attributes.decode().filter {
                        if case .secret = $0.value { return false } else { return true }
                    })
            }
            try await store.recordObservation(.observed(held, at: first), engine: "platform", at: first)
            try await store.recordObservation(.observed([held[0]], at: first), engine: "mail", at: first)
            try await store.recordObservation(.observed(Array(held.prefix(2)), at: second), engine: "mail", at: second)
            let header = try await store.header()
            try expect(header.serial == 0, "recording observations never changes the serial, found \(header.serial)")
            var records = try await store.observations()
            try expect(records.map(\.engine) == ["mail", "platform"], "one record per engine in name order, found \(records.map(\.engine))")
            try expect(
                records[1].resources == held.sorted { $0.address < $1.address }, "the resources read back exactly, in address order: \(records[1].resources)")
            try expect(
                records[0].resources.count == 2 && records[0].observedAt == second && records[0].failure == nil,
                "a new reading replaces the old one: \(records[0])")

            let some = try await store.observations(of: [held[0].address])
            try expect(
                some.map(\.engine) == ["mail", "platform"]
                    && some.allSatisfy({ $0.resources.map(\.address) == [held[0].address] && $0.resources[0].attributes == held[0].attributes }),
                "a reading asked for some addresses holds only those: \(some)")

            var changed = held[1]
            changed.attributes = [Attribute(name: "name", value: .string("changed out of band"))]
            try await store.recordObservation(.observed([changed], at: third), engine: "mail", at: third)
            let mail = try await store.observations().first { $0.engine == "mail" }
            try expect(
                mail?.resources.map(\.address) == [changed.address] && mail?.resources.first?.attributes == changed.attributes,
                "a new reading with fewer and changed resources replaces the old one whole: \(String(describing: mail))")

            // A careless engine reports one resource twice: the first report is kept, as drift
            // compares it, and the reading is still kept.
            var again = changed
            again.attributes = [Attribute(name: "name", value: .string("reported twice"))]
            try await store.recordObservation(.observed([changed, again], at: third), engine: "mail", at: third)
            let twice = try await store.observations().first { $0.engine == "mail" }
            try expect(
                twice?.resources.map(\.attributes) == [changed.attributes],
                "an address reported twice is kept once, as first reported: \(String(describing: twice))")

            try await store.recordObservation(.unreadable("API down"), engine: "platform", at: third)
            records = try await store.observations()
            try expect(
                records[1].failure == "API down" && records[1].attemptedAt == third, "a failed reading is recorded with its reason and time: \(records[1])")
            try expect(records[1].observedAt == first && records[1].resources.count == held.count, "a failed reading keeps the last successful one")
            try await store.recordObservation(.unreadable("never read"), engine: "new", at: third)
            let never = try await store.observations().first { $0.engine == "new" }
            try expect(
                never?.observedAt == nil && never?.resources.isEmpty == true && never?.failure == "never read",
                "an engine that was never read has no reading, only the failure: \(String(describing: never))")
        }
    }

    /// Resources of every kind with every kind of attribute value.
    public static let samples: [StateWrite.Resource] = [
        StateWrite.Resource(
            address: .reseller("ROOT"), parent: nil, engine: "platform",
            attributes: AttributeDocument([
                Attribute(name: "name", value: .string("Root \"Provider\"\n\u{1}ü✓")),
                Attribute(name: "services", value: .list(["box", "db"])),
            ])),
        StateWrite.Resource(
            address: .customer("CUS"), parent: .reseller("ROOT"), engine: "platform",
            attributes: AttributeDocument([
                Attribute(name: "protect", value: .boolean(true)),
                Attribute(name: "settings.maxUsers", value: .integer(-25)),
            ])),
        StateWrite.Resource(
            address: .user("ann", customer: "CUS"), parent: .customer("CUS"), engine: "platform",
            attributes: AttributeDocument([
                Attribute(name: "password", value: .secret(reference: "env:ANN_PASSWORD")),
                Attribute(name: "upn", value: .string("ann@cus.example")),
            ])),
        StateWrite.Resource(
            address: .service("db", instance: "prod", customer: "CUS"), parent: .customer("CUS"), engine: "sql",
            attributes: AttributeDocument([
                Attribute(name: "plan.costPrice", value: .number(Decimal(string: "16.50")!)),
                Attribute(name: "plan.salesPrice", value: .number(20)),
                Attribute(name: "properties.empty", value: .list([])),
            ])),
        StateWrite.Resource(
            address: .service("box", instance: nil, customer: "CUS", user: "ann"), parent: .user("ann", customer: "CUS"), engine: "mail",
            attributes: AttributeDocument([])),
        StateWrite.Resource(
            address: .customer("OTHER"), parent: .reseller("ROOT"), engine: "platform",
            attributes: AttributeDocument([
                Attribute(name: "name", value: .string("Other"))
            ])),
    ]

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceError(message()) }
    }
}

/// A state store that does not behave as `StateStore` requires.
public struct ConformanceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
