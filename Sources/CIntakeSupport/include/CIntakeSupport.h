#ifndef C_INTAKE_SUPPORT_H
#define C_INTAKE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Asks the CPU to start loading the cache line at `p` (for reading), without waiting for it: the
/// canonical writer and path walks name the storage of a record's nested values this way before
/// they step into them, so that the memory reads overlap instead of following one another.
/// A hint only: it never faults, whatever `p` is.
static inline __attribute__((always_inline)) void intake_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// How many decimal digits `v` has (1 for 0): estimated from its bit length (log10(2) is about
/// 1233/4096), then corrected by one comparison with a power of ten (the canonical writer's integers).
static inline __attribute__((always_inline)) int intake_decimal_digits(uint64_t v) {
    static const uint64_t powers[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
        10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
        1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
        10000000000000000000ull,
    };
    uint64_t w = v | 1;
    int bits = 64 - __builtin_clzll(w);
    int estimate = (bits * 1233) >> 12;
    return estimate + (w >= powers[estimate]);
}

/// 1 when one of the 16 bytes at `p` needs an escape in a JSON string: a control character (below
/// 0x20), a quote or a backslash. Three compares and one mask on SSE2 (the canonical writer's test
/// for a string's bytes; Swift's `any()` over a SIMD comparison called a generic reduction).
static inline __attribute__((always_inline)) int intake_needs_escape16(const void *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C));
    // Unsigned v < 0x20 exactly when max(v, 0x1F) == 0x1F.
    __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) != 0;
#else
    const unsigned char *b = (const unsigned char *)p;
    int found = 0;
    for (int i = 0; i < 16; i++) found |= b[i] < 0x20 || b[i] == 0x22 || b[i] == 0x5C;
    return found;
#endif
}

/// 1 when this CPU has the x86 SHA extensions (with SSSE3 and SSE4.1) that the two functions below
/// need, 0 otherwise (and on every other architecture, where they must not be called).
int intake_sha256_available(void);

/// SHA-256 of the `n` bytes at `m`, into `out` (sha256.c).
void intake_sha256(const uint8_t *m, size_t n, uint8_t out[32]);

/// SHA-256 of two messages at once, their rounds interleaved: about 1.3 times the time of one
/// rather than twice. Either may be empty; they need not have the same length.
void intake_sha256_pair(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t outA[32], uint8_t outB[32]);

#endif
