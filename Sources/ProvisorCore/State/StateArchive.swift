import Crypto
import Foundation

/// Everything a state holds, read in one transaction, for copying it whole to another store
/// (`provisor state migrate`): the lineage and serial, the resources, the journal, the audit
/// log with its commits, the outbox and the observations. The state lock is not part of it.
public struct StateArchive: Sendable {
    public var lineage: String
    public var serial: Int
    /// In address order.
    public var resources: [RecordedResource]
    /// In sequence order, with the sequences the source assigned.
    public var journal: [JournalEntry]
    /// In sequence order, with the sequences the source assigned.
    public var audit: [AuditEntry]
    /// In position order, with the positions the source assigned.
    public var outbox: [OutboxMessage]
    /// In engine name order.
    public var observations: [ObservationRecord]

    public init(
        lineage: String, serial: Int, resources: [RecordedResource], journal: [JournalEntry], audit: [AuditEntry],
        outbox: [OutboxMessage], observations: [ObservationRecord]
    ) {
        self.lineage = lineage
        self.serial = serial
        self.resources = resources
        self.journal = journal
        self.audit = audit
        self.outbox = outbox
        self.observations = observations
    }

    /// One part of the archive: how many records it has and a SHA-256 of their canonical form.
    public struct Part: Sendable, Hashable {
        public var name: String
        public var count: Int
        public var digest: String
    }

    /// The header, resources, journal, audit, outbox and observations as counts and digests.
    /// Two stores holding the same state have the same summary, whichever kind they are.
    public var summary: [Part] {
        var header = Digester(), resources = Digester(), journal = Digester(), audit = Digester(), outbox = Digester(), observations = Digester()
        header.add(lineage, serial)
        for resource in self.resources {
            resources.add(
                resource.address.description, resource.parent?.description, resource.engine, resource.attributes.json,
                resource.outputs.json, resource.serial, resource.updatedAt)
        }
        for entry in self.journal {
            journal.add(
                entry.sequence, entry.run, entry.address.description, entry.action, entry.status.rawValue, entry.messageID,
                entry.detail, entry.at, entry.payload?.parent?.description, entry.payload?.engine, entry.payload?.attributes.json,
                entry.payload?.previous?.json)
        }
        for entry in self.audit {
            audit.add(
                entry.sequence, entry.at, entry.actor, entry.address.description, entry.action, entry.detail, entry.serial,
                entry.commit?.sha, entry.commit?.authorName, entry.commit?.authorEmail, entry.commit?.authoredAt, entry.commit?.message)
        }
        for message in self.outbox {
            outbox.add(message.position, message.id, message.engine, message.address.description, message.action, message.body, message.at)
        }
        for record in self.observations {
            observations.add(record.engine, record.attemptedAt, record.failure, record.observedAt, record.resources.count)
            for resource in record.resources { observations.add(record.engine, resource.address.description, AttributeDocument(resource.attributes).json) }
        }
        return [
            header.part("header"), resources.part("resources"), journal.part("journal"), audit.part("audit"), outbox.part("outbox"),
            observations.part("observations"),
        ]
    }
}

/// Counts records and hashes them, one canonical line each: tab-separated, text escaped, nil
/// as `\N`, a date as the bit pattern of its seconds since 1970 (so a copy that rounded a time
/// does not match).
private struct Digester {
    private var hash = SHA256()
    private var count = 0
    private var line = ""

    mutating func add(_ values: Any?...) {
        line.removeAll(keepingCapacity: true)
        for (index, value) in values.enumerated() {
            if index > 0 { line.append("\t") }
            switch value {
            case nil: line.append("\\N")
            case let date as Date: line.append(String(date.timeIntervalSince1970.bitPattern, radix: 16))
            case let string as String:
                for scalar in string.unicodeScalars {
                    switch scalar {
                    case "\\": line.append("\\\\")
                    case "\t": line.append("\\t")
                    case "\n": line.append("\\n")
                    default: line.unicodeScalars.append(scalar)
                    }
                }
            case let some?: line.append("\(some)")
            }
        }
        line.append("\n")
        hash.update(data: Data(line.utf8))
        count += 1
    }

    func part(_ name: String) -> StateArchive.Part {
        StateArchive.Part(name: name, count: count, digest: hash.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
