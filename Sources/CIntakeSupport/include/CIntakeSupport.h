#ifndef C_INTAKE_SUPPORT_H
#define C_INTAKE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Asks the CPU to start loading the cache line at `p` (for reading), without waiting for it: the
/// canonical writer and path walks name the storage of a record's nested values this way before
/// they step into them, so that the memory reads overlap instead of following one another.
/// A hint only: it never faults, whatever `p` is.
static inline __attribute__((always_inline)) void intake_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
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
