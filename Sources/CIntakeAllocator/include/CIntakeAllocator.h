#ifndef C_INTAKE_ALLOCATOR_H
#define C_INTAKE_ALLOCATOR_H

/// jemalloc's version ("5.3.0-0-g…") when Intake was built with jemalloc, the default; NULL when it
/// was built with `INTAKE_ALLOCATOR=system` and runs on the C library's malloc.
const char *intake_jemalloc_version(void);

#endif
