import Foundation
import ProvisorCore

/// The time tests run at, whatever the machine's clock says: 2026-11-21T00:00:00Z.
public enum PinnedTime {
    public static let date = ISODate.parse("2026-11-21T00:00:00Z")!
    public static let clock = WallClock.pinned(date)
}
