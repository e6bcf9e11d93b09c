import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    public func header() async throws -> StateHeader {
        try await withConnection { connection in try await Self.header(connection) }
    }

    public func snapshot() async throws -> StateSnapshot {
        let store = description
        return try await transaction(readOnly: true) { connection in
            let header = try await Self.header(connection)
            var resources: [RecordedResource] = []
            resources.reserveCapacity(header.resourceCount)
            let rows = try await connection.query("SELECT \(unescaped: Self.resourceColumns) FROM resource", logger: Self.logger)
            for try await row in rows.decode((String, String?, String, String, Int, Double, String, Int64?).self) {
                resources.append(try Self.resource(row, store: store))
            }
            return StateSnapshot(header: header, resources: resources)
        }
    }

    public func resources(matching filter: ResourceFilter) async throws -> [RecordedResource] {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.resourceColumns) FROM resource
                WHERE (\(filter.kind?.rawValue)::text IS NULL OR kind = \(filter.kind?.rawValue))
                  AND (\(filter.customer)::text IS NULL OR customer = \(filter.customer))
                """, logger: Self.logger)
            var resources: [RecordedResource] = []
            for try await row in rows.decode((String, String?, String, String, Int, Double, String, Int64?).self) {
                resources.append(try Self.resource(row, store: store))
            }
            return resources.sorted { $0.address < $1.address }
        }
    }

    public func resource(at address: ResourceAddress) async throws -> RecordedResource? {
        let store = description
        return try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.resourceColumns) FROM resource WHERE address = \(address.description)",
                logger: Self.logger)
            for try await row in rows.decode((String, String?, String, String, Int, Double, String, Int64?).self) {
                return try Self.resource(row, store: store)
            }
            return nil
        }
    }

    static func header(_ connection: PostgresConnection) async throws -> StateHeader {
        let rows = try await connection.query(
            """
            SELECT (SELECT value FROM state_meta WHERE key = 'lineage'), (SELECT value FROM state_meta WHERE key = 'serial'), (SELECT count(*) FROM resource)
            """, logger: logger)
        for try await (lineage, serial, count) in rows.decode((String?, String?, Int).self) {
            return StateHeader(lineage: lineage, serial: serial.flatMap { Int($0) } ?? 0, resourceCount: count)
        }
        return .empty
    }

    /// The columns `resource(_:store:)` reads, in its order.
    static let resourceColumns = "address, parent, engine, attributes, serial, updated_at, outputs, checksum"

    static func resource(_ row: (String, String?, String, String, Int, Double, String, Int64?), store: String) throws -> RecordedResource {
        guard let address = ResourceAddress(parsing: row.0) else {
            throw StateError.corruptRecord(address: row.0, reason: "not a resource address", store: store)
        }
        if let damage = RowChecksum.damage(stored: row.7, address: row.0, parent: row.1, engine: row.2, attributes: row.3, outputs: row.6, serial: row.4) {
            throw StateError.corruptRecord(address: row.0, reason: damage, store: store)
        }
        return RecordedResource(
            address: address, parent: row.1.flatMap(ResourceAddress.init(parsing:)), engine: row.2,
            attributes: AttributeDocument(json: row.3), outputs: AttributeDocument(json: row.6), serial: row.4, updatedAt: Date(timeIntervalSince1970: row.5))
    }
}
