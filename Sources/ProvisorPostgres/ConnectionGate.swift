import Foundation
import Logging
import PostgresNIO
import ProvisorCore

/// Lets one task at a time use the store's connection, in arrival order.
actor ConnectionGate {
    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
