/*
 * Test helpers: fixture files, zeroed aligned segment buffers, raw
 * little-endian bytes, and a field-by-field accessor check.
 */
#ifndef TEST_BYTES_H
#define TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "roam_shm.h"

/* Whole contents of $ROAM_TEST_FIXTURES/name (malloc'd), or NULL. */
unsigned char *tb_read_fixture(const char *name, size_t *len);

/* One name=value line of a fixture .txt file. */
typedef struct tb_pair {
    char name[64];
    uint64_t value;
} tb_pair_t;

/* Parse $ROAM_TEST_FIXTURES/name into pairs; returns their number, -1 on error. */
int tb_read_pairs(const char *name, tb_pair_t *pairs, int max);

/* The value of `name` among pairs; aborts the test if it is missing. */
uint64_t tb_pair_value(const tb_pair_t *pairs, int n, const char *name);

/* A zeroed buffer of len bytes aligned to ROAM_SEGMENT_ALIGN, as a mapping
 * is; free() it. */
void *tb_alloc_segment(size_t len);

/* Little-endian value of `size` bytes at buf + off. */
uint64_t tb_get_le(const void *buf, size_t off, unsigned size);
void tb_put_le(void *buf, size_t off, unsigned size, uint64_t v);

/* One field as the reference documents it, with accessors to test. */
typedef struct tb_field {
    const char *name;
    size_t offset;                          /* the reference's literal offset */
    unsigned size;
    uint64_t (*get)(const void *obj);        /* getter or load accessor */
    void (*set)(void *obj, uint64_t v);     /* setter or store accessor */
} tb_field_t;

/* For each field: bytes written at its offset read back through get(), and
 * set() writes exactly those bytes and no others; the offset and size also
 * match the generated description in info[]. NULL if all agree, else a
 * message naming the first mismatch. */
const char *tb_check_fields(size_t struct_size, const tb_field_t *fields, size_t n,
                            const roam_field_info_t *info, size_t ninfo);

#endif /* TEST_BYTES_H */
