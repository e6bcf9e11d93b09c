import Foundation
import ProvisorCore

/// Engine processes ready for work, started on demand up to a limit.
actor WorkerPool {
    private let limit: Int
    private let start: @Sendable () throws -> ExecWorker
    private var idle: [ExecWorker] = []
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, start: @escaping @Sendable () throws -> ExecWorker) {
        self.limit = limit
        self.start = start
    }

    func checkOut() async throws -> ExecWorker {
        while true {
            if let worker = idle.popLast() { return worker }
            if running < limit {
                running += 1
                do { return try start() } catch {
                    running -= 1
                    throw error
                }
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func checkIn(_ worker: ExecWorker, healthy: Bool) {
        if healthy {
            idle.append(worker)
        } else {
            worker.stop()
            running -= 1
        }
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }

    func closeAll() async {
        let workers = idle
        idle.removeAll()
        running = 0
        for worker in workers { await worker.finish() }
    }
}
