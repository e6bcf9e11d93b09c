import Dispatch

/// Runs `transform` for every index in `0..<count` on all cores and returns the results in
/// index order.
public func parallelMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let slots = WriteOnceSlots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        slots.store(transform(index), at: index)
    }
    return slots.take()
}

/// Runs `body` over `0..<count` split into chunks, in parallel, results in chunk order.
public func parallelChunks<T: Sendable>(_ count: Int, chunkSize: Int = 1_024, _ body: @Sendable (Range<Int>) -> T) -> [T] {
    parallelMap((count + chunkSize - 1) / chunkSize) { chunk in
        body((chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize))
    }
}

/// Slots that `concurrentPerform` fills: each index is written by exactly one iteration and
/// read only after all iterations have finished, so no lock is needed.
private final class WriteOnceSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ value: T, at index: Int) { slots[index] = value }

    /// Moves every value out; call once, after all iterations finished.
    func take() -> [T] {
        (0..<slots.count).map { index in
            defer { slots[index] = nil }
            return slots[index]!
        }
    }
}
