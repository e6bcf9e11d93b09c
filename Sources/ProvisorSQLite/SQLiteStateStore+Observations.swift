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
                try Self.keepObserved(resources, engine: engine, db)
            }
        }
    }

    /// Replaces what the engine's last reading held with `resources`, writing only the rows
    /// that differ: a nightly reading of a steady estate changes a few rows, not all of them. An
    /// address reported twice is kept as first reported, as drift compares it.
    static func keepObserved(_ resources: [ObservedResource], engine: String, _ db: Database) throws {
        var kept: [String: String] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT address, attributes FROM observed_resource WHERE engine = ?", arguments: [engine])
        while let row = try rows.next() { kept[row[0]] = row[1] as String }
        let write = try db.cachedStatement(sql: "INSERT OR REPLACE INTO observed_resource (engine, address, attributes) VALUES (?, ?, ?)")
        var seen = Set<String>()
        for resource in resources {
            let address = resource.address.description
            guard seen.insert(address).inserted else { continue }
            let attributes = AttributeDocument(resource.attributes).json
            if kept.removeValue(forKey: address) != attributes { try write.execute(arguments: [engine, address, attributes]) }
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM observed_resource WHERE engine = ? AND address = ?")
        for address in kept.keys { try delete.execute(arguments: [engine, address]) }
    }

    static func insertObserved(_ resources: [ObservedResource], engine: String, _ db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO observed_resource (engine, address, attributes) VALUES (?, ?, ?)")
        for resource in resources {
            try insert.execute(arguments: [engine, resource.address.description, AttributeDocument(resource.attributes).json])
        }
    }

    public func observations(of addresses: Set<ResourceAddress>?) async throws -> [ObservationRecord] {
        let store = description
        return try await pool.read { db in try Self.observations(db, store: store, of: addresses) }
    }

    static func observations(_ db: Database, store: String, of addresses: Set<ResourceAddress>? = nil) throws -> [ObservationRecord] {
        var held: [String: [ObservedResource]] = [:]
        let wanted = addresses.map { Set($0.map(\.description)) }
        let rows = try Row.fetchCursor(db, sql: "SELECT engine, address, attributes FROM observed_resource")
        while let row = try rows.next() {
            let engine: String = row[0], text: String = row[1]
            if let wanted, !wanted.contains(text) { continue }
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
