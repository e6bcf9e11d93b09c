import CLibGit2
import Foundation
import ProvisorCore
import Synchronization

/// A git object id (SHA-1), as plain data.
public struct ObjectID: Sendable, Hashable, CustomStringConvertible {
    private var high: UInt64 = 0
    private var middle: UInt64 = 0
    private var low: UInt32 = 0

    init(_ oid: git_oid) {
        withUnsafeMutableBytes(of: &self) { target in
            withUnsafeBytes(of: oid) { source in target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(20))) }
        }
    }

    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid) { target in
            withUnsafeBytes(of: self) { source in target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(20))) }
        }
        return oid
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(40)
        withUnsafeBytes(of: self) { bytes in
            for byte in bytes.prefix(20) {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 15)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
