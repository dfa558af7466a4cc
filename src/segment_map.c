/*
 * The one way the file-backed segment module maps a segment file.
 */
#include <sys/mman.h>

#include "segment_internal.h"

void *roam__seg_map(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

    return p == MAP_FAILED ? NULL : p;
}
