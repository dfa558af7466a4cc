/* A minimal recursive-descent JSON checker for the tool's --json output. */
#include <stdbool.h>
#include <string.h>

#include "cli_run.h"

static bool value(const char **p, int depth);

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

/* A string with JSON escapes; no raw control characters. */
static bool string(const char **p)
{
    if (**p != '"')
        return false;
    for ((*p)++; **p != '"'; (*p)++) {
        unsigned char c = (unsigned char)**p;
        if (c < 0x20)
            return false;
        if (c != '\\')
            continue;
        (*p)++;
        if (**p == 'u') {
            for (int i = 0; i < 4; i++)
                if (*++*p == '\0' || strchr("0123456789abcdefABCDEF", **p) == NULL)
                    return false;
        } else if (**p == '\0' || strchr("\"\\/bfnrt", **p) == NULL) {
            return false;
        }
    }
    (*p)++;
    return true;
}

/* A non-negative integer, the only numbers the tool prints. */
static bool number(const char **p)
{
    const char *s = *p;
    if (**p == '0') {
        (*p)++;
        return !(**p >= '0' && **p <= '9');
    }
    while (**p >= '0' && **p <= '9')
        (*p)++;
    return *p > s;
}

/* An object or an array: items separated by commas. */
static bool container(const char **p, int depth, char close, bool keys)
{
    (*p)++;
    skip_ws(p);
    if (**p == close) {
        (*p)++;
        return true;
    }
    for (;;) {
        if (keys) {
            skip_ws(p);
            if (!string(p))
                return false;
            skip_ws(p);
            if (*(*p)++ != ':')
                return false;
        }
        if (!value(p, depth + 1))
            return false;
        skip_ws(p);
        if (**p == close) {
            (*p)++;
            return true;
        }
        if (*(*p)++ != ',')
            return false;
    }
}

static bool value(const char **p, int depth)
{
    if (depth > 16)
        return false;
    skip_ws(p);
    switch (**p) {
    case '{': return container(p, depth, '}', true);
    case '[': return container(p, depth, ']', false);
    case '"': return string(p);
    default: return number(p);
    }
}

bool cli_json_valid(const char *text)
{
    const char *p = text;
    if (*p != '{' || !value(&p, 0))
        return false;
    if (*p == '\n')
        p++;
    return *p == '\0';
}
