import Foundation

/// Who asks for the state lock and why.
public struct LockRequest: Sendable, Hashable {
    /// `user@host`.
    public var holder: String
    public var processID: Int32
    /// What the holder is doing ("reconcile", "rightsize").
    public var operation: String
    /// When it asks: the lock records it as the time it was acquired.
    public var at: Date

    public init(holder: String, processID: Int32, operation: String, at: Date) {
        self.holder = holder
        self.processID = processID
        self.operation = operation
        self.at = at
    }

    /// This process, as the current user on this host, asking at `clock`'s time.
    public static func thisProcess(operation: String, clock: WallClock) -> LockRequest {
        let info = ProcessInfo.processInfo
        return LockRequest(holder: "\(currentUser)@\(info.hostName)", processID: info.processIdentifier, operation: operation, at: clock.now())
    }

    /// The OS user running this process: `USER`, else `LOGNAME`, else the account's name.
    public static var currentUser: String {
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}
