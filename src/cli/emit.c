/* name=value lines or one JSON object, from the same sequence of calls. */
#include <assert.h>
#include <string.h>

#include "cli.h"

void cli_emit_init(cli_emit_t *e, FILE *fp, bool json)
{
    memset(e, 0, sizeof *e);
    e->fp = fp;
    e->json = json;
    e->depth = -1;
}

/* Text: extend the path by key, or by the item index inside an array. */
static void path_push(cli_emit_t *e, const char *key)
{
    size_t len = e->depth >= 0 ? e->path_len[e->depth] : 0;
    char index[16];
    if (key == NULL && e->depth >= 0) {
        snprintf(index, sizeof index, "%u", e->items[e->depth]);
        key = index;
    }
    if (key != NULL)
        snprintf(e->path + len, sizeof e->path - len, "%s%s", len > 0 ? "." : "", key);
}

/* Escape one byte for the current format. */
static void put_escaped(cli_emit_t *e, unsigned char c)
{
    if (c == '\\' || (e->json && c == '"'))
        fprintf(e->fp, "\\%c", c);
    else if (c >= 0x20 && c < 0x7f)
        fputc(c, e->fp);
    else if (e->json)
        fprintf(e->fp, "\\u%04x", c);
    else
        fprintf(e->fp, "\\x%02x", c);
}

/* A byte string, escaped; quoted in JSON. */
static void put_string(cli_emit_t *e, const void *s, size_t len)
{
    const unsigned char *p = s;
    if (e->json)
        fputc('"', e->fp);
    for (size_t i = 0; i < len; i++)
        put_escaped(e, p[i]);
    if (e->json)
        fputc('"', e->fp);
}

/* JSON: a comma between items, then "key": inside an object. */
static void json_key(cli_emit_t *e, const char *key)
{
    if (e->depth < 0)
        return;
    if (e->items[e->depth] > 0)
        fputc(',', e->fp);
    if (!e->is_array[e->depth] && key != NULL) {
        put_string(e, key, strlen(key));
        fputc(':', e->fp);
    }
}

/* Start one value: JSON separator and key, or the text "path=". */
static void value_begin(cli_emit_t *e, const char *key)
{
    if (e->json) {
        json_key(e, key);
    } else {
        path_push(e, key);
        fprintf(e->fp, "%s=", e->path);
    }
}

/* End one value: count it, end the text line and drop its path segment. */
static void value_end(cli_emit_t *e)
{
    if (!e->json)
        fputc('\n', e->fp);
    if (e->depth < 0)
        return;
    e->items[e->depth]++;
    e->path[e->path_len[e->depth]] = '\0';
}

void cli_emit_open(cli_emit_t *e, const char *key, char kind)
{
    assert(e->depth + 1 < CLI_EMIT_MAX_DEPTH);
    if (e->json) {
        json_key(e, key);
        fputc(kind, e->fp);
    } else if (e->depth >= 0) {
        path_push(e, key);
    }
    e->depth++;
    e->is_array[e->depth] = kind == '[';
    e->items[e->depth] = 0;
    e->path_len[e->depth] = strlen(e->path);
}

void cli_emit_close(cli_emit_t *e)
{
    if (e->depth < 0)
        return;
    if (e->json)
        fputc(e->is_array[e->depth] ? ']' : '}', e->fp);
    e->depth--;
    if (e->depth >= 0) {
        e->items[e->depth]++;
        e->path[e->path_len[e->depth]] = '\0';
    } else if (e->json) {
        fputc('\n', e->fp);
    }
}

void cli_emit_uint(cli_emit_t *e, const char *key, uint64_t v)
{
    value_begin(e, key);
    fprintf(e->fp, "%llu", (unsigned long long)v);
    value_end(e);
}

void cli_emit_bytes(cli_emit_t *e, const char *key, const void *s, size_t len)
{
    value_begin(e, key);
    put_string(e, s, len);
    value_end(e);
}

void cli_emit_str(cli_emit_t *e, const char *key, const char *s)
{
    cli_emit_bytes(e, key, s, strlen(s));
}
