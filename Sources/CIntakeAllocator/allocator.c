// Intake runs on jemalloc (Debian's libjemalloc-dev, linked from Package.swift) unless it was built
// with INTAKE_ALLOCATOR=system. A poll allocates tens of small objects per record on the mapping
// threads and frees them on the thread that disposes of saved pages; glibc's malloc serialises
// those frees on the allocating thread's arena lock, jemalloc does not (Benchmarks/README.md,
// "Allocator round").
#include "CIntakeAllocator.h"

#ifdef INTAKE_JEMALLOC
#include <stddef.h>
#include <jemalloc/jemalloc.h>

// jemalloc's options for Intake, read when the allocator starts; MALLOC_CONF in the environment
// overrides them (see the README, "Memory allocator"). Two arenas instead of four per CPU: each thread's
// cache takes most allocations, and fewer arenas keep less freed memory around (a 1,000,000-record
// poll peaked at 133–147 MB instead of 153 MB). Freed pages go back to the kernel after a second
// instead of ten, so a daemon between polls shrinks back soon.
__attribute__((visibility("default"), used))
const char *malloc_conf = "narenas:2,dirty_decay_ms:1000";

const char *intake_jemalloc_version(void) {
    const char *version = NULL;
    size_t size = sizeof(version);
    if (mallctl("version", (void *)&version, &size, NULL, 0) != 0) return NULL;
    return version;
}
#else
#include <stddef.h>

const char *intake_jemalloc_version(void) { return NULL; }
#endif
