import Crypto

/// SHA-256 and MD5 digests as lowercase hex, the form stored in `hash` fields.
public enum Digest {
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    /// SHA-256 of the canonical JSON encoding of a value.
    public static func canonicalSHA256(_ value: JSONValue) -> String {
        sha256Hex(JSONWriter.canonicalBytes(value))
    }

    public static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.MD5.hash(data: Array(bytes)))
    }

    public static func sha1Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.SHA1.hash(data: Array(bytes)))
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
