import CIntakeSupport
import Crypto

/// SHA-256 and MD5 digests as lowercase hex, the form stored in `hash` fields.
///
/// SHA-256 runs on the CPU's SHA extensions where it has them (``hardwareSHA256``, CIntakeSupport),
/// and through swift-crypto elsewhere; both give the same digests (`HardwareSHA256Tests`).
public enum Digest {
    /// True when SHA-256 runs on this CPU's SHA extensions, which also hash two messages at once
    /// in about 1.3 times the time of one (``sha256HexPair(_:_:)``).
    public static let hardwareSHA256 = intake_sha256_available() != 0

    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        Array(bytes).withUnsafeBufferPointer { sha256Hex($0) }
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { sha256Hex($0) }
    }

    /// SHA-256 of bytes in memory: hashed where they are, not copied into an array first.
    public static func sha256Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard hardwareSHA256 else { return portableSHA256Hex(bytes) }
        var digest: Digest32 = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { out in
            intake_sha256(bytes.baseAddress, bytes.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return withUnsafeBytes(of: digest) { hex(bytes: $0) }
    }

    /// SHA-256 of two messages: at once where the CPU has the SHA extensions (their rounds
    /// interleaved), one after the other otherwise.
    public static func sha256HexPair(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> (String, String) {
        guard hardwareSHA256 else { return (portableSHA256Hex(a), portableSHA256Hex(b)) }
        var da: Digest32 = (0, 0, 0, 0), db: Digest32 = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &da) { oa in
            withUnsafeMutableBytes(of: &db) { ob in
                intake_sha256_pair(a.baseAddress, a.count, b.baseAddress, b.count,
                                   oa.baseAddress!.assumingMemoryBound(to: UInt8.self), ob.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return (withUnsafeBytes(of: da) { hex(bytes: $0) }, withUnsafeBytes(of: db) { hex(bytes: $0) })
    }

    /// SHA-256 by swift-crypto, whatever the CPU (the reference the hardware path is tested against).
    static func portableSHA256Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        SHA256.hash(data: UnsafeRawBufferPointer(bytes)).withUnsafeBytes { hex(bytes: $0) }
    }

    /// 32 bytes in place, for a digest written by CIntakeSupport.
    private typealias Digest32 = (UInt64, UInt64, UInt64, UInt64)

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

    static func hex(_ digest: some Crypto.Digest) -> String {
        digest.withUnsafeBytes { hex(bytes: $0) }
    }

    /// Lowercase hex, written straight into the string's storage, two digits per byte from a table.
    static func hex(bytes raw: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: raw.count * 2) { out in
            guard let to = out.baseAddress, let from = raw.baseAddress else { return 0 }
            let pairs = UnsafeRawPointer(hexPairs.utf8Start)
            for i in 0..<raw.count {
                let pair = pairs.loadUnaligned(fromByteOffset: Int(from.load(fromByteOffset: i, as: UInt8.self)) &* 2, as: UInt16.self)
                UnsafeMutableRawPointer(to + i &* 2).storeBytes(of: pair, as: UInt16.self)
            }
            return raw.count * 2
        }
    }

    /// The two lowercase hex digits of every byte, in byte order: byte `b`'s at `2 * b`.
    static let hexPairs: StaticString = """
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
        202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\
        404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\
        606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\
        808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
        a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\
        c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\
        e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
        """
}
