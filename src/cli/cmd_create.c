/* roam-shm create: lay out a fresh segment and write it to a file. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: " CLI_PROG " create FILE --max-guests N --bipbuf-capacity N\n"
    "           --max-payload-size N [--inline-threshold N] [--heartbeat-interval NS]\n"
    "           --size-class SLOT_SIZE:COUNT [--size-class ...] [--force]\n"
    "\n"
    "Write a fresh roam v7 segment to FILE: header, every peer Empty, every\n"
    "BipBuffer empty, every size class with all its slots free. Numbers are\n"
    "decimal. On success prints 'created FILE (total_size N)'.\n"
    "\n"
    "  --max-guests N             peer-table entries, at most " ROAM_MAX_GUESTS_STR "\n"
    "  --bipbuf-capacity N        data bytes per BipBuffer, a multiple of " ROAM_SEGMENT_ALIGN_STR "\n"
    "  --max-payload-size N       largest payload a peer may send\n"
    "  --inline-threshold N       largest inline frame; 0 (default) means " ROAM_DEFAULT_INLINE_THRESHOLD_STR "\n"
    "  --heartbeat-interval NS    heartbeat period in ns; 0 (default) is off\n"
    "  --size-class SIZE:COUNT    one var-slot class, in order; at least one\n"
    "  --force                    replace FILE if it exists\n"
    "  -h, --help                 print this help\n"
    "\n"
    "Bad parameters and I/O errors exit 2; FILE is then left as it was.\n";

enum {
    OPT_HELP,
    OPT_FORCE,
    OPT_MAX_GUESTS,
    OPT_BIPBUF_CAPACITY,
    OPT_MAX_PAYLOAD_SIZE,
    OPT_INLINE_THRESHOLD,
    OPT_HEARTBEAT_INTERVAL,
    OPT_SIZE_CLASS,
};

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_FORCE] = {"force", 0, false},
    [OPT_MAX_GUESTS] = {"max-guests", 0, true},
    [OPT_BIPBUF_CAPACITY] = {"bipbuf-capacity", 0, true},
    [OPT_MAX_PAYLOAD_SIZE] = {"max-payload-size", 0, true},
    [OPT_INLINE_THRESHOLD] = {"inline-threshold", 0, true},
    [OPT_HEARTBEAT_INTERVAL] = {"heartbeat-interval", 0, true},
    [OPT_SIZE_CLASS] = {"size-class", 0, true},
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* Everything the command line says. */
typedef struct create_args {
    const char *path;
    bool force;
    bool seen[NOPTIONS];
    roam_segment_config_t cfg;
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
} create_args_t;

/* Parse a u32 option value into *out. */
static int parse_u32(const char *cmd, int opt, const char *s, uint32_t *out)
{
    char name[64];
    snprintf(name, sizeof name, "--%s", options[opt].name);
    uint64_t v;
    if (cli_parse_uint(cmd, name, s, strlen(s), UINT32_MAX, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Append one SLOT_SIZE:COUNT class. */
static int parse_class(const char *cmd, const char *s, create_args_t *c)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL) {
        cli_usage_error(cmd, "--size-class: '%s' is not SLOT_SIZE:COUNT", s);
        return -1;
    }
    if (c->cfg.num_classes == ROAM_MAX_SIZE_CLASSES) {
        cli_usage_error(cmd, "--size-class: at most %u classes", ROAM_MAX_SIZE_CLASSES);
        return -1;
    }
    uint64_t size, count;
    size_t size_len = (size_t)(colon - s);
    if (cli_parse_uint(cmd, "--size-class SLOT_SIZE", s, size_len, UINT32_MAX, &size) < 0)
        return -1;
    if (cli_parse_uint(cmd, "--size-class COUNT", colon + 1, strlen(colon + 1), UINT32_MAX,
                       &count) < 0)
        return -1;
    c->classes[c->cfg.num_classes].slot_size = (uint32_t)size;
    c->classes[c->cfg.num_classes].slot_count = (uint32_t)count;
    c->cfg.num_classes++;
    return 0;
}

/* Store one option's value; -1 once the message is printed. */
static int apply(const char *cmd, int opt, const char *value, create_args_t *c)
{
    c->seen[opt] = true;
    switch (opt) {
    case OPT_FORCE: c->force = true; return 0;
    case OPT_MAX_GUESTS: return parse_u32(cmd, opt, value, &c->cfg.max_guests);
    case OPT_BIPBUF_CAPACITY: return parse_u32(cmd, opt, value, &c->cfg.bipbuf_capacity);
    case OPT_MAX_PAYLOAD_SIZE: return parse_u32(cmd, opt, value, &c->cfg.max_payload_size);
    case OPT_INLINE_THRESHOLD: return parse_u32(cmd, opt, value, &c->cfg.inline_threshold);
    case OPT_HEARTBEAT_INTERVAL:
        return cli_parse_uint(cmd, "--heartbeat-interval", value, strlen(value), UINT64_MAX,
                              &c->cfg.heartbeat_interval);
    case OPT_SIZE_CLASS: return parse_class(cmd, value, c);
    default: return 0;
    }
}

/* Parse argv into *c; returns -1 (error printed), 0, or 1 when --help was printed. */
static int parse(int argc, char **argv, create_args_t *c)
{
    cli_args_t a;
    cli_args_init(&a, argc, argv);
    for (;;) {
        const char *value;
        int opt = cli_args_next(&a, options, NOPTIONS, &value);
        if (opt == CLI_ARG_END)
            break;
        if (opt == CLI_ARG_ERROR)
            return -1;
        if (opt == OPT_HELP) {
            fputs(usage, stdout);
            return 1;
        }
        if (opt == CLI_ARG_POSITIONAL) {
            if (c->path != NULL) {
                cli_usage_error(argv[0], "unexpected operand '%s'", value);
                return -1;
            }
            c->path = value;
        } else if (apply(argv[0], opt, value, c) < 0) {
            return -1;
        }
    }

    /* FILE and the options without a default are required. */
    if (c->path == NULL) {
        cli_usage_error(argv[0], "missing FILE");
        return -1;
    }
    static const int required[] = {OPT_MAX_GUESTS, OPT_BIPBUF_CAPACITY, OPT_MAX_PAYLOAD_SIZE,
                                   OPT_SIZE_CLASS};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!c->seen[required[i]]) {
            cli_usage_error(argv[0], "missing --%s", options[required[i]].name);
            return -1;
        }
    }
    return 0;
}

int cmd_create(int argc, char **argv)
{
    create_args_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        fprintf(stderr, CLI_PROG " create: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int rc = parse(argc, argv, c);
    if (rc != 0) {
        free(c);
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    c->cfg.classes = c->classes;

    /* The layout decides whether the parameters make a segment. */
    roam_layout_t layout;
    roam_err_t err = roam_layout_compute(&c->cfg, &layout);
    if (err != ROAM_OK) {
        fprintf(stderr, CLI_PROG " create: bad parameters: %s\n", roam_strerror(err));
        free(c);
        return CLI_EXIT_USAGE;
    }

    /* Build the segment in memory, then write it in one go: a segment over
     * 4 GiB cannot be built by a 32-bit process. */
    if (layout.total_size > SIZE_MAX) {
        fprintf(stderr, CLI_PROG " create: total_size %llu does not fit in this process's %zu-bit "
                        "address space\n",
                (unsigned long long)layout.total_size, sizeof(size_t) * CHAR_BIT);
        free(c);
        return CLI_EXIT_USAGE;
    }
    void *buf = cli_alloc_zeroed((size_t)layout.total_size);
    if (buf == NULL) {
        fprintf(stderr, CLI_PROG " create: cannot allocate %llu bytes\n",
                (unsigned long long)layout.total_size);
        free(c);
        return CLI_EXIT_USAGE;
    }
    rc = CLI_EXIT_USAGE;
    err = roam_segment_init(buf, (size_t)layout.total_size, &c->cfg, NULL);
    if (err != ROAM_OK)
        fprintf(stderr, CLI_PROG " create: %s\n", roam_strerror(err));
    else if (cli_file_write(c->path, buf, (size_t)layout.total_size, c->force) == 0)
        rc = CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK)
        printf("created %s (total_size %llu)\n", c->path, (unsigned long long)layout.total_size);
    free(buf);
    free(c);
    return rc;
}
