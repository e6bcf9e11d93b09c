import Foundation
import Logging
import PostgresNIO
import ProvisorCore

extension PostgresStateStore {
    public func recordObservation(_ observation: EngineObservation, engine: String, at date: Date) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO observed_engine (engine, attempted_at, failure, observed_at) VALUES (\(engine), \(date.timeIntervalSince1970), NULL, NULL)
                ON CONFLICT (engine) DO UPDATE SET attempted_at = excluded.attempted_at
                """, logger: Self.logger)
            switch observation {
            case .unreadable(let reason), .unsupported(let reason):
                try await connection.query("UPDATE observed_engine SET failure = \(reason) WHERE engine = \(engine)", logger: Self.logger)
            case .observed(let resources, let at):
                try await connection.query(
                    "UPDATE observed_engine SET failure = NULL, observed_at = \(at.timeIntervalSince1970) WHERE engine = \(engine)",
                    logger: Self.logger)
                try await Self.keepObserved(resources, engine: engine, connection)
            }
        }
    }

    /// Replaces what the engine's last reading held with `resources`, writing only the rows
    /// that differ: a nightly reading of a steady estate changes a few rows, not all of them. An
    /// address reported twice is kept as first reported, as drift compares it (and one insert
    /// cannot write a row twice).
    static func keepObserved(_ resources: [ObservedResource], engine: String, _ connection: PostgresConnection) async throws {
        var kept: [String: String] = [:]
        let rows = try await connection.query("SELECT address, attributes FROM observed_resource WHERE engine = \(engine)", logger: logger)
        for try await (address, attributes) in rows.decode((String, String).self) { kept[address] = attributes }
        var changed: [(address: String, attributes: String)] = []
        var seen = Set<String>()
        for resource in resources {
            let address = resource.address.description
            guard seen.insert(address).inserted else { continue }
            let attributes = AttributeDocument(resource.attributes).json
            if kept.removeValue(forKey: address) != attributes { changed.append((address, attributes)) }
        }
        if !kept.isEmpty {
            let gone = Array(kept.keys)
            try await connection.query("DELETE FROM observed_resource WHERE engine = \(engine) AND address = ANY(\(gone))", logger: logger)
        }
        try await insertObserved(changed, engine: engine, connection)
    }

    static func insertObserved(_ resources: [(address: String, attributes: String)], engine: String, _ connection: PostgresConnection) async throws {
        guard !resources.isEmpty else { return }
        var rows = JSONRows()
        for resource in resources { rows.add(["address": resource.address, "attributes": resource.attributes]) }
        try await connection.query(
            """
            INSERT INTO observed_resource (engine, address, attributes)
            SELECT \(engine), address, attributes FROM jsonb_to_recordset(\(rows.text)::jsonb) AS o(address text, attributes text)
            ON CONFLICT (engine, address) DO UPDATE SET attributes = excluded.attributes
            """, logger: logger)
    }

    public func observations(of addresses: Set<ResourceAddress>?) async throws -> [ObservationRecord] {
        let store = description
        return try await transaction(readOnly: true) { connection in try await Self.observations(connection, store: store, of: addresses) }
    }

    static func observations(_ connection: PostgresConnection, store: String, of addresses: Set<ResourceAddress>? = nil) async throws -> [ObservationRecord] {
        var held: [String: [ObservedResource]] = [:]
        let wanted = addresses.map { Set($0.map(\.description)) }
        for try await (engine, text, json) in try await connection.query("SELECT engine, address, attributes FROM observed_resource", logger: logger)
            .decode((String, String, String).self)
        {
            if let wanted, !wanted.contains(text) { continue }
            guard let address = ResourceAddress(parsing: text), let attributes = try? AttributeDocument(json: json).decode() else {
                throw StateError.corruptRecord(address: text, reason: "the observation kept for engine \(engine) is damaged", store: store)
            }
            held[engine, default: []].append(ObservedResource(address: address, engine: engine, attributes: attributes))
        }
        var records: [ObservationRecord] = []
        let rows = try await connection.query(
            "SELECT engine, attempted_at, failure, observed_at FROM observed_engine ORDER BY engine COLLATE \"C\"", logger: logger)
        for try await (engine, attempted, failure, observed) in rows.decode((String, Double, String?, Double?).self) {
            records.append(
                ObservationRecord(
                    engine: engine, attemptedAt: Date(timeIntervalSince1970: attempted), failure: failure,
                    observedAt: observed.map(Date.init(timeIntervalSince1970:)),
                    resources: (held[engine] ?? []).sorted { $0.address < $1.address }))
        }
        return records
    }
}
