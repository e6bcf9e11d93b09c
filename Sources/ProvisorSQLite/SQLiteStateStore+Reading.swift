import Foundation
import GRDB
import ProvisorCore

extension SQLiteStateStore {
    public func header() async throws -> StateHeader {
        try await pool.read { db in try Self.header(db) }
    }

    public func snapshot() async throws -> StateSnapshot {
        let store = description
        return try await pool.read { db in
            let header = try Self.header(db)
            var resources: [RecordedResource] = []
            resources.reserveCapacity(header.resourceCount)
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.resourceColumns) FROM resource")
            while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
            return StateSnapshot(header: header, resources: resources)
        }
    }

    public func resources(matching filter: ResourceFilter) async throws -> [RecordedResource] {
        let store = description
        return try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let kind = filter.kind {
                conditions.append("kind = ?")
                arguments += [kind.rawValue]
            }
            if let customer = filter.customer {
                conditions.append("customer = ?")
                arguments += [customer]
            }
            let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(Self.resourceColumns) FROM resource" + whereClause, arguments: arguments)
            var resources: [RecordedResource] = []
            while let row = try rows.next() { resources.append(try Self.resource(row, store: store)) }
            return resources.sorted { $0.address < $1.address }
        }
    }

    public func resource(at address: ResourceAddress) async throws -> RecordedResource? {
        let store = description
        return try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.resourceColumns) FROM resource WHERE address = ?",
                arguments: [address.description]
            ).map { try Self.resource($0, store: store) }
        }
    }

    static func header(_ db: Database) throws -> StateHeader {
        let lineage = try String.fetchOne(db, sql: "SELECT value FROM state_meta WHERE key = 'lineage'")
        let serial = try String.fetchOne(db, sql: "SELECT value FROM state_meta WHERE key = 'serial'").flatMap { Int($0) } ?? 0
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resource") ?? 0
        return StateHeader(lineage: lineage, serial: serial, resourceCount: count)
    }

    /// The columns `resource(_:store:)` reads, in its order.
    static let resourceColumns = "address, parent, engine, attributes, serial, updated_at, outputs, checksum"

    static func resource(_ row: Row, store: String) throws -> RecordedResource {
        let text: String = row[0]
        guard let address = ResourceAddress(parsing: text) else {
            throw StateError.corruptRecord(address: text, reason: "not a resource address", store: store)
        }
        let parentText: String? = row[1]
        let engine: String = row[2], attributes: String = row[3], outputs: String = row[6], serial: Int = row[4]
        if let damage = RowChecksum.damage(
            stored: row[7], address: text, parent: parentText, engine: engine, attributes: attributes, outputs: outputs, serial: serial)
        {
            throw StateError.corruptRecord(address: text, reason: damage, store: store)
        }
        return RecordedResource(
            address: address, parent: parentText.flatMap(ResourceAddress.init(parsing:)), engine: engine,
            attributes: AttributeDocument(json: attributes), outputs: AttributeDocument(json: outputs), serial: serial, updatedAt: date(row, 5))
    }

    /// Times are stored as seconds since 1970 (UTC), which keep their precision and read fast.
    static func date(_ row: Row, _ index: Int) -> Date {
        Date(timeIntervalSince1970: row[index])
    }
}
