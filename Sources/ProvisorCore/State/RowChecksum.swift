/// A checksum over what a recorded resource row holds (address, parent, engine, attributes,
/// outputs, serial), written with the row and checked whenever it is read: a bit that changed on
/// disk inside a value is still valid JSON, and a database's own checks do not read row
/// contents. A mismatch refuses the state (`StateError.corruptRecord`), naming the address.
///
/// FNV-1a over 64 bits: it is there to find damage, not to resist an attacker who can write the
/// database (such a one could write the checksum too); one pass over the row's bytes.
public enum RowChecksum {
    public static func of(address: String, parent: String?, engine: String, attributes: String, outputs: String, serial: Int) -> Int64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash &*= 0x0000_0100_0000_01B3
                }
            }
            // A separator no UTF-8 text holds, so that fields cannot trade bytes.
            hash ^= 0xFF
            hash &*= 0x0000_0100_0000_01B3
        }
        add(address)
        add(parent ?? "\u{0}")
        add(engine)
        add(attributes)
        add(outputs)
        add(String(serial))
        return Int64(bitPattern: hash)
    }

    /// Why a row whose stored checksum is `stored` is damaged; nil when it is intact or was
    /// recorded before checksums were (those gain one when next written).
    public static func damage(
        stored: Int64?, address: String, parent: String?, engine: String, attributes: String, outputs: String, serial: Int
    ) -> String? {
        guard let stored else { return nil }
        let found = of(address: address, parent: parent, engine: engine, attributes: attributes, outputs: outputs, serial: serial)
        return found == stored ? nil : "its checksum does not match what it holds: a bit changed on disk"
    }
}
