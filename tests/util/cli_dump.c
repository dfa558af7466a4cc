/* The expected output of `roam-shm dump`, from the generated field tables. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_dump.h"
#include "roam_shm.h"

/* A growing string and where the dump is: text path or JSON nesting. */
typedef struct model {
    char *s;
    size_t len, cap;
    bool json;
    bool first;       /* JSON: no comma before the next item */
    char path[64];    /* text: "peers.0." before each name */
} model_t;

__attribute__((format(printf, 2, 3)))
static void put(model_t *m, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    if (m->len + (size_t)n + 1 > m->cap) {
        m->cap = (m->len + (size_t)n + 1) * 2;
        m->s = realloc(m->s, m->cap);
        ck_assert_ptr_nonnull(m->s);
    }
    va_start(ap, fmt);
    vsnprintf(m->s + m->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    m->len += (size_t)n;
}

/* The start of one value: "path.name=" or ["," ]"\"name\":". */
static void key(model_t *m, const char *name)
{
    if (m->json) {
        put(m, "%s\"%s\":", m->first ? "" : ",", name);
        m->first = false;
    } else {
        put(m, "%s%s=", m->path, name);
    }
}

static void end(model_t *m)
{
    if (!m->json)
        put(m, "\n");
}

static void number(model_t *m, const char *name, uint64_t v)
{
    key(m, name);
    put(m, "%llu", (unsigned long long)v);
    end(m);
}

/* Bytes as the tool escapes them: \xNN in text, \u00NN in JSON. */
static void bytes(model_t *m, const char *name, const unsigned char *p, size_t n)
{
    key(m, name);
    if (m->json)
        put(m, "\"");
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' || (m->json && p[i] == '"'))
            put(m, "\\%c", p[i]);
        else if (p[i] >= 0x20 && p[i] < 0x7f)
            put(m, "%c", p[i]);
        else
            put(m, m->json ? "\\u%04x" : "\\x%02x", p[i]);
    }
    if (m->json)
        put(m, "\"");
    end(m);
}

/* Every non-reserved field of the struct at base, in table order. */
static void fields(model_t *m, const void *base, const roam_field_info_t *(*table)(size_t *))
{
    size_t n;
    const roam_field_info_t *info = table(&n);

    for (size_t i = 0; i < n; i++) {
        const roam_field_info_t *f = &info[i];
        uint64_t v;

        if (f->reserved)
            continue;
        if (f->count > 0) {
            /* Only byte arrays are expected in the structs dumped. */
            ck_assert_uint_eq(f->size, f->count);
            bytes(m, f->name, (const unsigned char *)base + f->offset, f->size);
            continue;
        }
        v = roam_field_value(base, f);
        if (f->enum_name != NULL && f->enum_name((uint32_t)v) != NULL) {
            const char *s = f->enum_name((uint32_t)v);

            bytes(m, f->name, (const unsigned char *)s, strlen(s));
        } else {
            number(m, f->name, v);
        }
        if (f->zero_means != 0) {
            char name[96];

            snprintf(name, sizeof name, "effective_%s", f->name);
            number(m, name, v != 0 ? v : f->zero_means);
        }
    }
}

/* One array element: "{" ... "}" in JSON, "name.i." in text. */
static void element_open(model_t *m, const char *array, uint32_t i)
{
    if (m->json) {
        put(m, "%s{", i > 0 ? "," : "");
        m->first = true;
    } else {
        snprintf(m->path, sizeof m->path, "%s.%u.", array, i);
    }
}

static void element_close(model_t *m)
{
    if (m->json)
        put(m, "}");
    else
        m->path[0] = '\0';
}

static void array_open(model_t *m, const char *name)
{
    if (m->json) {
        put(m, ",\"%s\":[", name);
    }
}

static void array_close(model_t *m)
{
    if (m->json)
        put(m, "]");
}

char *cli_expected_dump(const void *image, size_t len, bool json)
{
    model_t m = {.json = json, .first = true};
    roam_segment_header_plain_t snap;
    bool whole;

    ck_assert_int_eq(roam_header_validate(image, len, 0, &snap), ROAM_OK);
    whole = len >= roam_segment_header_plain_current_size(&snap) &&
            roam_segment_validate(image, len, &snap, NULL) == ROAM_OK;

    if (json)
        put(&m, "{");
    fields(&m, &snap, roam_segment_header_fields);
    if (whole) {
        array_open(&m, "peers");
        for (uint32_t i = 0; i < roam_segment_header_plain_max_guests(&snap); i++) {
            element_open(&m, "peers", i);
            number(&m, "id", (uint64_t)i + 1);
            fields(&m, roam_segment_peer(image, &snap, i), roam_peer_entry_fields);
            element_close(&m);
        }
        array_close(&m);
        array_open(&m, "size_classes");
        for (uint32_t i = 0; i < roam_segment_header_plain_num_var_slot_classes(&snap); i++) {
            element_open(&m, "size_classes", i);
            fields(&m, roam_segment_class(image, &snap, i), roam_size_class_header_fields);
            element_close(&m);
        }
        array_close(&m);
    }
    if (json)
        put(&m, "}\n");
    if (m.s == NULL)
        m.s = strdup("");
    return m.s;
}
