/*
 * The one way the file-backed segment module maps a segment file, and the
 * entry a handle points at when it holds none.
 */
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>

#include "segment_internal.h"

roam_err_t roam__seg_len(uint64_t size, size_t *len, roam_diag_t *diag, const char *step)
{
    if (size > SIZE_MAX)
        return roam__diag(diag, ROAM_E_ADDRESS_SPACE, 0,
                          "%s: %llu bytes do not fit in this process's %zu-bit address space",
                          step, (unsigned long long)size, sizeof(size_t) * CHAR_BIT);
    *len = (size_t)size;
    return ROAM_OK;
}

void *roam__seg_map(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* A joining guest validates the segment as soon as it is mapped, reading
 * a header on nearly every page of the rings. Faulting those pages in one
 * trap at a time costs more than the kernel filling the page tables in one
 * pass (MAP_POPULATE; the file's pages are in the page cache already, the
 * host wrote them): on a 147 KiB segment, joining took 9.5-10.2 us instead
 * of 13.7-15.7 us. Bounded: a bigger segment is faulted in as validation
 * reads it, not read in whole. (A new file is never populated: creating
 * one populated was slower, 95 us against 70, as every page is new.) */
#define ROAM__POPULATE_MAX ((size_t)1 << 20)

void *roam__seg_map_join(int fd, size_t len)
{
    int flags = MAP_SHARED | (len <= ROAM__POPULATE_MAX ? MAP_POPULATE : 0);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* Zero: state Empty, which no operation of this library's moves on. */
const roam_peer_entry_t roam__no_peer_entry;
