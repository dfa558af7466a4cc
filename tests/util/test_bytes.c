/*
 * Test helpers: fixture files, zeroed aligned segment buffers, raw
 * little-endian bytes, fields found through the generated field tables,
 * and a field-by-field accessor check.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_bytes.h"

/* Full path of a fixture file. */
static void tb_fixture_path(const char *name, char *path, size_t size)
{
    const char *dir = getenv("ROAM_TEST_FIXTURES");

    snprintf(path, size, "%s/%s", dir != NULL ? dir : "tests/fixtures", name);
}

unsigned char *tb_read_fixture(const char *name, size_t *len)
{
    char path[4096];
    unsigned char *buf = NULL;
    long size;
    FILE *f;

    tb_fixture_path(name, path, sizeof path);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    /* Size the buffer from the file, then read it whole. */
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(size > 0 ? (size_t)size : 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

int tb_read_pairs(const char *name, tb_pair_t *pairs, int max)
{
    char path[4096], line[256];
    int n = 0;
    FILE *f;

    tb_fixture_path(name, path, sizeof path);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        char *eq = strchr(line, '=');

        /* Skip blank lines; anything else must be name=value. */
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        if (eq == NULL || n == max || (size_t)(eq - line) >= sizeof pairs[n].name) {
            n = -1;
            break;
        }
        memcpy(pairs[n].name, line, (size_t)(eq - line));
        pairs[n].name[eq - line] = '\0';
        pairs[n].value = strtoull(eq + 1, NULL, 10);
        n++;
    }
    fclose(f);
    return n;
}

uint64_t tb_pair_value(const tb_pair_t *pairs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(pairs[i].name, name) == 0)
            return pairs[i].value;
    ck_abort_msg("fixture has no %s", name);
    return 0;
}

void *tb_alloc_segment(size_t len)
{
    size_t rounded = (len + ROAM_SEGMENT_ALIGN - 1) / ROAM_SEGMENT_ALIGN * ROAM_SEGMENT_ALIGN;
    void *buf = aligned_alloc(ROAM_SEGMENT_ALIGN, rounded > 0 ? rounded : ROAM_SEGMENT_ALIGN);

    ck_assert_ptr_nonnull(buf);
    memset(buf, 0, rounded);
    return buf;
}

uint64_t tb_get_le(const void *buf, size_t off, unsigned size)
{
    const unsigned char *p = (const unsigned char *)buf + off;
    uint64_t v = 0;

    for (unsigned i = size; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

void tb_put_le(void *buf, size_t off, unsigned size, uint64_t v)
{
    unsigned char *p = (unsigned char *)buf + off;

    for (unsigned i = 0; i < size; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

/* A value with a distinct, non-zero byte in every position of the field. */
static uint64_t tb_pattern(unsigned size, size_t k)
{
    uint64_t v = 0x8877665544332211ull ^ (0x0101010101010101ull * (uint64_t)(k + 1));

    return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/* The generated description of `name`, or NULL. */
static const roam_field_info_t *tb_info(const roam_field_info_t *info, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(info[i].name, name) == 0)
            return &info[i];
    return NULL;
}

const roam_field_info_t *tb_field(tb_fields_fn table, const char *name)
{
    size_t n;
    const roam_field_info_t *info = table(&n);
    const roam_field_info_t *f = tb_info(info, n, name);

    ck_assert_msg(f != NULL, "the schema has no field %s here", name);
    return f;
}

uint64_t tb_get_field(const void *buf, size_t at, tb_fields_fn table, const char *name)
{
    const roam_field_info_t *f = tb_field(table, name);

    return tb_get_le(buf, at + f->offset, f->size);
}

void tb_put_field(void *buf, size_t at, tb_fields_fn table, const char *name, uint64_t v)
{
    const roam_field_info_t *f = tb_field(table, name);

    tb_put_le(buf, at + f->offset, f->size, v);
}

const char *tb_check_table(size_t struct_size, const roam_field_info_t *info, size_t n)
{
    static char msg[256];
    size_t end = 0;

    for (size_t i = 0; i < n; i++) {
        const roam_field_info_t *f = &info[i];

        if (f->offset != end) {
            snprintf(msg, sizeof msg, "%s: at %u, the field before it ends at %zu", f->name,
                     f->offset, end);
            return msg;
        }
        if (f->size == 0 || (f->count > 0 && f->size % f->count != 0) ||
            (f->count == 0 && f->size > 8)) {
            snprintf(msg, sizeof msg, "%s: %u bytes cannot hold %u elements", f->name, f->size,
                     f->count);
            return msg;
        }
        end = (size_t)f->offset + f->size;
    }
    if (end != struct_size) {
        snprintf(msg, sizeof msg, "the fields end at %zu, the struct at %zu", end, struct_size);
        return msg;
    }
    return NULL;
}

const char *tb_check_fields(size_t struct_size, const tb_field_t *fields, size_t n,
                            const roam_field_info_t *info, size_t ninfo)
{
    static char msg[256];
    unsigned char *obj = tb_alloc_segment(struct_size);
    const char *res = NULL;

    for (size_t k = 0; k < n && res == NULL; k++) {
        const tb_field_t *f = &fields[k];
        const roam_field_info_t *fi = tb_info(info, ninfo, f->name);
        uint64_t v;

        /* The accessor's field is in the generated description. */
        if (fi == NULL || fi->count != 0 || fi->offset + fi->size > struct_size) {
            snprintf(msg, sizeof msg, "%s: no scalar field of that name in the table", f->name);
            res = msg;
            break;
        }
        v = tb_pattern(fi->size, k);
        /* Raw bytes -> accessor. */
        memset(obj, 0, struct_size);
        tb_put_le(obj, fi->offset, fi->size, v);
        if (f->get(obj) != v) {
            snprintf(msg, sizeof msg, "%s: read %#" PRIx64 ", bytes hold %#" PRIx64, f->name,
                     f->get(obj), v);
            res = msg;
            break;
        }
        /* Accessor -> raw bytes, touching nothing else. */
        memset(obj, 0, struct_size);
        f->set(obj, v);
        for (size_t b = 0; b < struct_size; b++) {
            int inside = b >= fi->offset && b < fi->offset + fi->size;
            unsigned want = inside ? (unsigned)((v >> (8 * (b - fi->offset))) & 0xFF) : 0;

            if (obj[b] != want) {
                snprintf(msg, sizeof msg, "%s: after set, byte %zu is %#x, want %#x", f->name, b,
                         obj[b], want);
                res = msg;
                break;
            }
        }
    }
    free(obj);
    return res;
}
