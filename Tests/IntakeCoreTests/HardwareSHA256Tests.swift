import Crypto
@testable import IntakeCore
import Testing

/// SHA-256 on the CPU's SHA extensions (CIntakeSupport's `sha256.c`), one message and two at once,
/// against swift-crypto: every length across the block and padding boundaries, both messages of a
/// pair at different lengths, so that one runs on alone after the other's last block. Where the CPU
/// lacks the extensions, `Digest` uses swift-crypto itself and these tests check the pair path's
/// fallback the same way.
@Suite("SHA-256 on the SHA extensions")
struct HardwareSHA256Tests {
    /// Bytes that differ at every position and between the two messages of a pair.
    static func message(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed) &* 17 &+ ($0 >> 8)) }
    }

    static func reference(_ bytes: [UInt8]) -> String {
        Digest.hex(SHA256.hash(data: bytes))
    }

    @Test("one message: every length from 0 to 300 bytes, and long ones")
    func single() {
        for n in Array(0...300) + [1_023, 1_024, 1_327, 4_096, 65_537] {
            let m = Self.message(n, seed: 1)
            let hex = m.withUnsafeBufferPointer { Digest.sha256Hex($0) }
            #expect(hex == Self.reference(m), "length \(n)")
        }
    }

    @Test("published vectors, through the pair path too")
    func vectors() {
        let abc = Array("abc".utf8)
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let (x, y) = abc.withUnsafeBufferPointer { a in long.withUnsafeBufferPointer { b in Digest.sha256HexPair(a, b) } }
        #expect(x == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(y == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let empty: [UInt8] = []
        let (e1, e2) = empty.withUnsafeBufferPointer { a in empty.withUnsafeBufferPointer { b in Digest.sha256HexPair(a, b) } }
        #expect(e1 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(e2 == e1)
    }

    @Test("two messages at once: every pair of lengths around the block boundaries")
    func pairs() {
        // 0, 1, 55, 56 (the length no longer fits the last block), 63, 64, 65, 119, 120, ... and a body's size.
        var lengths: [Int] = []
        for blocks in 0..<4 { lengths += [0, 1, 55, 56, 57, 63].map { blocks * 64 + $0 } }
        lengths += [1_327, 1_344, 2_000]
        for na in lengths {
            for nb in lengths {
                let a = Self.message(na, seed: 2), b = Self.message(nb, seed: 3)
                let (ha, hb) = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in Digest.sha256HexPair(x, y) } }
                #expect(ha == Self.reference(a), "first of \(na) and \(nb) bytes")
                #expect(hb == Self.reference(b), "second of \(na) and \(nb) bytes")
            }
        }
    }

    @Test("the same bytes as both messages of a pair give the same digest twice")
    func samePair() {
        let m = Self.message(700, seed: 9)
        let (x, y) = m.withUnsafeBufferPointer { Digest.sha256HexPair($0, $0) }
        #expect(x == y)
        #expect(x == Self.reference(m))
    }

    @Test("the portable path (swift-crypto) is the reference the hardware path is compared with")
    func portable() {
        let m = Self.message(1_327, seed: 4)
        #expect(m.withUnsafeBufferPointer { Digest.portableSHA256Hex($0) } == Self.reference(m))
        #expect(m.withUnsafeBufferPointer { Digest.sha256Hex($0) } == Self.reference(m))
    }
}

#if os(Linux) && arch(x86_64)
import Foundation

extension HardwareSHA256Tests {
    @Test("the SHA extensions are used exactly where /proc/cpuinfo lists them")
    func detection() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        #expect(Digest.hardwareSHA256 == flags.split(separator: " ").contains("sha_ni"))
    }
}
#endif
