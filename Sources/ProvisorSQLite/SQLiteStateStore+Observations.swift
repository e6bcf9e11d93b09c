import Foundation
import GRDB
import ProvisorCore

extension SQLiteStateStore {
    public func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) async throws {
        try await transaction { db in
            try db.execute(
                sql: """
                    INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (?, ?, NULL, NULL)
                    ON CONFLICT (engine) DO UPDATE SET attempted_at = excluded.attempted_at
                    """, arguments: [engine, date.timeIntervalSince1970])
            switch observation {
            case .unreadable(let reason), .unsupported(let reason):
                try db.execute(sql: "UPDATE observed_engine SET failure = ? WHERE engine = ?", arguments: [reason, engine])
            case .observed(let resources, let at):
                try db.execute(
                    sql: "UPDATE observed_engine SET failure = NULL, observed_at = ? WHERE engine = ?", arguments: [at.timeIntervalSince1970, engine])
                try db.execute(sql: "DELETE FROM observed_resource WHERE engine = ?", arguments: [engine])
                try Self.insertObserved(resources, engine: engine, db)
            }
        }
    }

    static func insertObserved(_ resources: [ObservedResource], engine: String, _ db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO observed_resource (engine, address, attributes) VALUES (?, ?, ?)")
        for resource in resources {
            try insert.execute(arguments: [engine, resource.address.description, AttributeDocument(resource.attributes).json])
        }
    }

    public func observations() async throws -> [ObservationRecord] {
        let store = description
        return try await pool.read { db in try Self.observations(db, store: store) }
    }

    static func observations(_ db: Database, store: String) throws -> [ObservationRecord] {
        var held: [String: [ObservedResource]] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT engine, address, attributes FROM observed_resource")
        while let row = try rows.next() {
            let engine: String = row[0], text: String = row[1]
            guard let address = ResourceAddress(parsing: text), let attributes = try? AttributeDocument(json: row[2]).decode() else {
                throw StateError.corruptRecord(address: text, reason: "the observation kept for engine \(engine) is damaged", store: store)
            }
            held[engine, default: []].append(ObservedResource(address: address, engine: engine, attributes: attributes))
        }
        return try Row.fetchAll(db, sql: "SELECT engine, attempted_at, failure, observed_at FROM observed_engine ORDER BY engine").map { row in
            let engine: String = row[0]
            return ObservationRecord(
                engine: engine, attemptedAt: Self.date(row, 1), failure: row[2],
                observedAt: (row[3] as Double?).map(Date.init(timeIntervalSince1970:)),
                resources: (held[engine] ?? []).sorted { $0.address < $1.address })
        }
    }
}
