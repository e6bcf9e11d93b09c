import Foundation
import ProvisorCore
import ProvisorSQLite
import ProvisorTesting
import Testing

/// A fresh state database in a temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisor-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

@Suite struct StateStoreConformanceTests {
    @Test(arguments: StateStoreConformance.Check.allCases)
    func sqlite(_ check: StateStoreConformance.Check) async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStateStore(path: directory.appendingPathComponent("nested/state.db").path)
            try await StateStoreConformance.run(check, on: store)
        }
    }

    @Test(arguments: StateStoreConformance.Check.allCases)
    func inMemory(_ check: StateStoreConformance.Check) async throws {
        try await StateStoreConformance.run(check, on: InMemoryStateStore())
    }
}
