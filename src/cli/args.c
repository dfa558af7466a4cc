/* Option parsing and strict number parsing shared by the commands. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

void cli_args_init(cli_args_t *a, int argc, char **argv)
{
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
    a->options_done = false;
}

/* Index of the long option name[0..len) in opts, or -1. */
static int find_long(const cli_option_t *opts, size_t nopts, const char *name, size_t len)
{
    for (size_t i = 0; i < nopts; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* Index of the short option c in opts, or -1. */
static int find_short(const cli_option_t *opts, size_t nopts, char c)
{
    for (size_t i = 0; i < nopts; i++)
        if (opts[i].short_name != 0 && opts[i].short_name == c)
            return (int)i;
    return -1;
}

int cli_args_next(cli_args_t *a, const cli_option_t *opts, size_t nopts, const char **value)
{
    const char *cmd = a->argv[0];
    *value = NULL;
    if (a->next >= a->argc)
        return CLI_ARG_END;
    const char *arg = a->argv[a->next++];

    /* Operands: anything after "--", "-" alone, or not starting with '-'. */
    if (a->options_done || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CLI_ARG_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        a->options_done = true;
        return cli_args_next(a, opts, nopts, value);
    }

    /* Find the option: --name, --name=value or -c. */
    int idx;
    const char *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        idx = find_long(opts, nopts, name, len);
        if (eq != NULL)
            inline_value = eq + 1;
    } else {
        idx = arg[2] == '\0' ? find_short(opts, nopts, arg[1]) : -1;
    }
    if (idx < 0) {
        cli_usage_error(cmd, "unknown option '%s'", arg);
        return CLI_ARG_ERROR;
    }

    /* Attach its value, or refuse one it does not take. */
    if (!opts[idx].has_value) {
        if (inline_value != NULL) {
            cli_usage_error(cmd, "option '--%s' takes no value", opts[idx].name);
            return CLI_ARG_ERROR;
        }
        return idx;
    }
    if (inline_value == NULL) {
        if (a->next >= a->argc) {
            cli_usage_error(cmd, "option '--%s' needs a value", opts[idx].name);
            return CLI_ARG_ERROR;
        }
        inline_value = a->argv[a->next++];
    }
    *value = inline_value;
    return idx;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *s, size_t len, uint64_t max,
                   uint64_t *out)
{
    /* Only decimal digits: no sign, space, prefix or suffix. */
    if (len == 0) {
        cli_usage_error(cmd, "%s: empty number", opt);
        return -1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            cli_usage_error(cmd, "%s: '%.*s' is not a non-negative decimal number", opt,
                            (int)len, s);
            return -1;
        }
        unsigned d = (unsigned)(s[i] - '0');
        if (d > max || v > (max - d) / 10) {
            cli_usage_error(cmd, "%s: '%.*s' is out of range (at most %llu)", opt, (int)len, s,
                            (unsigned long long)max);
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, CLI_PROG " %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '" CLI_PROG " %s --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}
