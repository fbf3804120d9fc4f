import Crypto
@testable import IntakeCore
import Testing

/// Hashes are stored and compared as lowercase hex: pinned against published test vectors, and
/// the hex against a plain per-byte conversion for digests covering every byte value.
@Suite("Digests as hex")
struct DigestTests {
    @Test("published test vectors")
    func vectors() {
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.md5Hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.sha1Hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("every byte value is written as its two lowercase digits")
    func everyByte() {
        func plain(_ bytes: some Sequence<UInt8>) -> String {
            bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        var seen = Set<UInt8>()
        var input: [UInt8] = []
        while seen.count < 256 {
            input.append(UInt8(truncatingIfNeeded: input.count &* 31 &+ 7))
            let digest = SHA256.hash(data: input)
            seen.formUnion(digest)
            #expect(Digest.hex(digest) == plain(digest))
        }
    }
}
