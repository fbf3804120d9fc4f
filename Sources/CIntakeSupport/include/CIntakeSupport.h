#ifndef C_INTAKE_SUPPORT_H
#define C_INTAKE_SUPPORT_H

/// Asks the CPU to start loading the cache line at `p` (for reading), without waiting for it: the
/// canonical writer and path walks name the storage of a record's nested values this way before
/// they step into them, so that the memory reads overlap instead of following one another.
/// A hint only: it never faults, whatever `p` is.
static inline __attribute__((always_inline)) void intake_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
