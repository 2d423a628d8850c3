/* The device workspace: a caller-provided static arena behind TVMBackendAllocWorkspace /
 * TVMBackendFreeWorkspace (c_backend_api.h). Stack discipline (frees are LIFO, as in every AOT
 * main), every block 16-byte aligned (TVM's stack allocator alignment), NULL when exhausted.
 * The generated glue defines the arena (workspace size from metadata plus slack) and calls
 * utvm_workspace_init before the first run. No heap, no stdio. Not thread-safe. */
#ifndef UTVM_WORKSPACE_H_
#define UTVM_WORKSPACE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Alignment of every block returned by TVMBackendAllocWorkspace. */
#define UTVM_WORKSPACE_ALIGNMENT 16u

/* Uses [arena, arena + size) as the workspace; the start is rounded up to 16 bytes. Resets
 * all allocations, the high-water mark and the exhaustion flag. arena may be NULL (size 0). */
void utvm_workspace_init(uint8_t* arena, size_t size);

/* Frees everything (the link calls this before each run and on reset). */
void utvm_workspace_reset(void);

/* Usable bytes after aligning the arena start. */
size_t utvm_workspace_capacity(void);

/* Bytes currently allocated. */
size_t utvm_workspace_used(void);

/* Largest utvm_workspace_used() seen since init. */
size_t utvm_workspace_high_water(void);

/* Size of the first allocation that failed since init/reset (0 if none): the link reports it as
 * "workspace exhausted" when a run fails. */
uint64_t utvm_workspace_failed_request(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_WORKSPACE_H_ */
