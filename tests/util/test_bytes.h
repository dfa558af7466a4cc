/*
 * Test helpers: fixture files, zeroed aligned segment buffers, raw
 * little-endian bytes, fields found through the generated field tables,
 * and a field-by-field accessor check.
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

/* ---- Field tables ----------------------------------------------------------
 * Offsets and sizes come from the generated roam_<struct>_fields() tables,
 * never from the test. */

/* A generated field table, e.g. roam_peer_entry_fields. */
typedef const roam_field_info_t *(*tb_fields_fn)(size_t *count);

/* The generated description of field `name`; fails the test if the
 * struct has no such field. */
const roam_field_info_t *tb_field(tb_fields_fn table, const char *name);

/* Little-endian value of field `name` of the struct at buf + at. */
uint64_t tb_get_field(const void *buf, size_t at, tb_fields_fn table, const char *name);
void tb_put_field(void *buf, size_t at, tb_fields_fn table, const char *name, uint64_t v);

/* NULL when the table describes a struct of struct_size bytes completely:
 * fields in offset order, back to back from 0 to struct_size, each array's
 * size a multiple of its count. Else a message naming the first problem. */
const char *tb_check_table(size_t struct_size, const roam_field_info_t *info, size_t n);

/* One field's accessors to test; where it lies comes from the table. */
typedef struct tb_field {
    const char *name;
    uint64_t (*get)(const void *obj);        /* getter or load accessor */
    void (*set)(void *obj, uint64_t v);     /* setter or store accessor */
} tb_field_t;

/* For each field: bytes written where the generated table puts it read
 * back through get(), and set() writes exactly those bytes and no others.
 * NULL if all agree, else a message naming the first mismatch. */
const char *tb_check_fields(size_t struct_size, const tb_field_t *fields, size_t n,
                            const roam_field_info_t *info, size_t ninfo);

/* ---- Arithmetic ---------------------------------------------------------- */

/* x rounded up / down to a multiple of a (a power of two). */
static inline uint64_t tb_align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }
static inline uint64_t tb_align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }

#endif /* TEST_BYTES_H */
