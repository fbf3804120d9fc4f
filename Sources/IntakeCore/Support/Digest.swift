import Crypto

/// SHA-256 and MD5 digests as lowercase hex, the form stored in `hash` fields.
public enum Digest {
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { sha256Hex($0) }
    }

    /// SHA-256 of bytes in memory: hashed where they are, not copied into an array first.
    public static func sha256Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        hex(SHA256.hash(data: UnsafeRawBufferPointer(bytes)))
    }

    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    /// SHA-256 of the canonical JSON encoding of a value.
    public static func canonicalSHA256(_ value: JSONValue) -> String {
        CanonicalScratch.withWriter { w in
            w.write(value)
            return w.withBytes { sha256Hex($0) }
        }
    }

    public static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.MD5.hash(data: Array(bytes)))
    }

    public static func sha1Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.SHA1.hash(data: Array(bytes)))
    }

    /// Lowercase hex, written straight into the string's storage.
    static func hex(_ digest: some Crypto.Digest) -> String {
        digest.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for b in raw {
                    out[at] = digits.utf8Start[Int(b >> 4)]
                    out[at + 1] = digits.utf8Start[Int(b & 0xF)]
                    at += 2
                }
                return at
            }
        }
    }
}
