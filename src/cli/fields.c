/* Emit a struct by walking its generated field descriptions. */
#include <stdio.h>

#include "cli.h"

/* An array field: bytes as one string, wider elements as a list of numbers. */
static void emit_array(cli_emit_t *e, const void *base, const roam_field_info_t *f)
{
    uint32_t elem = f->size / f->count;
    if (elem == 1) {
        cli_emit_bytes(e, f->name, (const unsigned char *)base + f->offset, f->size);
        return;
    }
    cli_emit_open(e, f->name, '[');
    for (uint32_t i = 0; i < f->count; i++) {
        roam_field_info_t one = *f;
        one.offset = f->offset + i * elem;
        one.size = elem;
        one.count = 0;
        cli_emit_uint(e, NULL, roam_field_value(base, &one));
    }
    cli_emit_close(e);
}

/* A scalar field: its enum name when it has one, else its number. */
static void emit_scalar(cli_emit_t *e, const void *base, const roam_field_info_t *f)
{
    uint64_t v = roam_field_value(base, f);
    const char *name = f->enum_name != NULL && v <= UINT32_MAX ? f->enum_name((uint32_t)v) : NULL;
    if (name != NULL)
        cli_emit_str(e, f->name, name);
    else
        cli_emit_uint(e, f->name, v);

    /* A field whose 0 stands for a default also gets its effective value. */
    if (f->zero_means != 0) {
        char key[96];
        snprintf(key, sizeof key, "effective_%s", f->name);
        cli_emit_uint(e, key, v != 0 ? v : f->zero_means);
    }
}

void cli_emit_fields(cli_emit_t *e, const void *base, const roam_field_info_t *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const roam_field_info_t *f = &fields[i];
        if (f->reserved)
            continue;
        if (f->count > 0)
            emit_array(e, base, f);
        else
            emit_scalar(e, base, f);
    }
}
