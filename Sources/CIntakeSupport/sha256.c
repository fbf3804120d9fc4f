// SHA-256 with the x86 SHA extensions, one message or two at once.
//
// An artifact's hash is SHA-256 over its canonical JSON body (about 1.3 KiB for a typical alert),
// and hashing is the largest single cost of mapping a record. One message is hashed a block after
// another, each block's 32 `sha256rnds2` steps waiting on the one before: the SHA unit sits idle
// for most of each step's latency. Two independent messages, their rounds interleaved, keep it
// busy, so hashing two bodies together takes about 1.3 times as long as hashing one, rather than
// twice (see Benchmarks/README.md, Mapping).
//
// Only on x86-64 CPUs that have the extensions (`intake_sha256_available`); elsewhere the callers
// use swift-crypto. Checked against swift-crypto for every length up to several blocks, both
// messages of a pair at different lengths (Tests/IntakeCoreTests/HardwareSHA256Tests.swift).
#include "CIntakeSupport.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// The round constants, four per 128-bit load.
static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

int intake_sha256_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_SSSE3) || !(c & bit_SSE4_1)) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29]
}

// The state as the SHA instructions keep it: ABEF in `s0`, CDGH in `s1`.
typedef struct { __m128i s0, s1; } State;

static inline SHA_TARGET __m128i byteSwapMask(void) {
    return _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
}

static inline SHA_TARGET State initialState(void) {
    static const uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);  // CDAB
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);  // EFGH
    State s = {_mm_alignr_epi8(dcba, efgh, 8), _mm_blend_epi16(efgh, dcba, 0xF0)};
    return s;
}

static inline SHA_TARGET void storeDigest(State s, uint8_t out[32]) {
    __m128i feba = _mm_shuffle_epi32(s.s0, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(s.s1, 0xB1);
    __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(dcba, byteSwapMask()));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_shuffle_epi8(hgfe, byteSwapMask()));
}

// Message words 4i..4i+3 from the sixteen before them (W[i & 3] holds words 4i..4i+3).
#define SCHEDULE(W, i)                                                                   \
    do {                                                                                 \
        __m128i x_ = _mm_sha256msg1_epu32(W[((i) - 4) & 3], W[((i) - 3) & 3]);          \
        x_ = _mm_add_epi32(x_, _mm_alignr_epi8(W[((i) - 1) & 3], W[((i) - 2) & 3], 4));  \
        W[(i) & 3] = _mm_sha256msg2_epu32(x_, W[((i) - 1) & 3]);                         \
    } while (0)

// Rounds 4i..4i+3.
#define ROUNDS(S0, S1, Wi, i)                                                            \
    do {                                                                                 \
        __m128i m_ = _mm_add_epi32(Wi, _mm_load_si128((const __m128i *)&K256[4 * (i)])); \
        S1 = _mm_sha256rnds2_epu32(S1, S0, m_);                                          \
        m_ = _mm_shuffle_epi32(m_, 0x0E);                                                \
        S0 = _mm_sha256rnds2_epu32(S0, S1, m_);                                          \
    } while (0)

static inline SHA_TARGET void compress1(State *s, const uint8_t *p) {
    __m128i a0 = s->s0, a1 = s->s1, W[4];
    for (int i = 0; i < 4; i++) W[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), byteSwapMask());
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) {
        if (i >= 4) SCHEDULE(W, i);
        ROUNDS(a0, a1, W[i & 3], i);
    }
    s->s0 = _mm_add_epi32(s->s0, a0);
    s->s1 = _mm_add_epi32(s->s1, a1);
}

// One block of each of two messages, their rounds interleaved.
static inline SHA_TARGET void compress2(State *s, const uint8_t *p, State *t, const uint8_t *q) {
    __m128i a0 = s->s0, a1 = s->s1, W[4];
    __m128i b0 = t->s0, b1 = t->s1, V[4];
    for (int i = 0; i < 4; i++) {
        W[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), byteSwapMask());
        V[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(q + 16 * i)), byteSwapMask());
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) {
        if (i >= 4) {
            SCHEDULE(W, i);
            SCHEDULE(V, i);
        }
        ROUNDS(a0, a1, W[i & 3], i);
        ROUNDS(b0, b1, V[i & 3], i);
    }
    s->s0 = _mm_add_epi32(s->s0, a0);
    s->s1 = _mm_add_epi32(s->s1, a1);
    t->s0 = _mm_add_epi32(t->s0, b0);
    t->s1 = _mm_add_epi32(t->s1, b1);
}

// A message's last partial block, the 0x80 byte, zeros and its length in bits, in one block or
// two; returns how many.
static inline size_t paddedTail(const uint8_t *m, size_t n, uint8_t tail[128]) {
    size_t r = n & 63;
    memset(tail, 0, 128);
    if (r) memcpy(tail, m + (n - r), r);
    tail[r] = 0x80;
    size_t blocks = r < 56 ? 1 : 2;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    return blocks;
}

// Block `i` of a message of `full` whole blocks followed by its padded tail.
static inline const uint8_t *blockAt(const uint8_t *m, size_t full, const uint8_t *tail, size_t i) {
    return i < full ? m + 64 * i : tail + 64 * (i - full);
}

SHA_TARGET void intake_sha256(const uint8_t *m, size_t n, uint8_t out[32]) {
    State s = initialState();
    size_t full = n / 64;
    for (size_t i = 0; i < full; i++) compress1(&s, m + 64 * i);
    uint8_t tail[128];
    size_t tailBlocks = paddedTail(m, n, tail);
    for (size_t i = 0; i < tailBlocks; i++) compress1(&s, tail + 64 * i);
    storeDigest(s, out);
}

SHA_TARGET void intake_sha256_pair(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t outA[32], uint8_t outB[32]) {
    State s = initialState(), t = initialState();
    uint8_t tailA[128], tailB[128];
    size_t fullA = na / 64, fullB = nb / 64;
    size_t blocksA = fullA + paddedTail(a, na, tailA), blocksB = fullB + paddedTail(b, nb, tailB);
    size_t both = blocksA < blocksB ? blocksA : blocksB;
    for (size_t i = 0; i < both; i++) compress2(&s, blockAt(a, fullA, tailA, i), &t, blockAt(b, fullB, tailB, i));
    for (size_t i = both; i < blocksA; i++) compress1(&s, blockAt(a, fullA, tailA, i));
    for (size_t i = both; i < blocksB; i++) compress1(&t, blockAt(b, fullB, tailB, i));
    storeDigest(s, outA);
    storeDigest(t, outB);
}

#else

int intake_sha256_available(void) { return 0; }

void intake_sha256(const uint8_t *m, size_t n, uint8_t out[32]) {
    (void)m, (void)n, (void)out;
    __builtin_trap();  // never called where intake_sha256_available() is 0
}

void intake_sha256_pair(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t outA[32], uint8_t outB[32]) {
    (void)a, (void)na, (void)b, (void)nb, (void)outA, (void)outB;
    __builtin_trap();
}

#endif
