/* roam-shm create: lay out a fresh segment in a new file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum {
    OPT_HELP,
    OPT_FORCE,
    OPT_MAX_GUESTS,
    OPT_BIPBUF_CAPACITY,
    OPT_MAX_PAYLOAD_SIZE,
    OPT_INLINE_THRESHOLD,
    OPT_HEARTBEAT_INTERVAL,
    OPT_SIZE_CLASS,
    OPT_MODE,
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
    [OPT_MODE] = {"mode", 0, true},
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* Parse a u32 option value into *out. */
static int parse_u32(const char *cmd, int opt, const char *s, uint32_t *out)
{
    char name[64];
    uint64_t v;

    snprintf(name, sizeof name, "--%s", options[opt].name);
    if (cli_parse_uint(cmd, name, s, strlen(s), UINT32_MAX, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Append one SLOT_SIZE:COUNT class. */
static int parse_class(const char *cmd, const char *s, cli_inv_t *inv)
{
    const char *colon = strchr(s, ':');
    uint64_t size, count;

    if (colon == NULL) {
        cli_usage_error(cmd, "--size-class: '%s' is not SLOT_SIZE:COUNT", s);
        return -1;
    }
    if (inv->cfg.num_classes == ROAM_MAX_SIZE_CLASSES) {
        cli_usage_error(cmd, "--size-class: at most %u classes (a slot reference's class_idx "
                        "is one byte)", (unsigned)ROAM_MAX_SIZE_CLASSES);
        return -1;
    }
    if (cli_parse_uint(cmd, "--size-class SLOT_SIZE", s, (size_t)(colon - s), UINT32_MAX,
                       &size) < 0 ||
        cli_parse_uint(cmd, "--size-class COUNT", colon + 1, strlen(colon + 1), UINT32_MAX,
                       &count) < 0)
        return -1;
    inv->classes[inv->cfg.num_classes].slot_size = (uint32_t)size;
    inv->classes[inv->cfg.num_classes].slot_count = (uint32_t)count;
    inv->cfg.num_classes++;
    return 0;
}

/* Octal permission bits, digits only ("0600", "660"). */
static int parse_mode(const char *cmd, const char *s, uint32_t *out)
{
    uint32_t v = 0;

    if (*s == '\0' || strlen(s) > 5) {
        cli_usage_error(cmd, "--mode: '%s' is not an octal mode such as 0600", s);
        return -1;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '7') {
            cli_usage_error(cmd, "--mode: '%s' is not an octal mode such as 0600", s);
            return -1;
        }
        v = v * 8 + (uint32_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static int apply(cli_inv_t *inv, int opt, const char *value)
{
    const char *cmd = inv->cmd->name;

    switch (opt) {
    case OPT_MAX_GUESTS: return parse_u32(cmd, opt, value, &inv->cfg.max_guests);
    case OPT_BIPBUF_CAPACITY: return parse_u32(cmd, opt, value, &inv->cfg.bipbuf_capacity);
    case OPT_MAX_PAYLOAD_SIZE: return parse_u32(cmd, opt, value, &inv->cfg.max_payload_size);
    case OPT_INLINE_THRESHOLD: return parse_u32(cmd, opt, value, &inv->cfg.inline_threshold);
    case OPT_HEARTBEAT_INTERVAL:
        return cli_parse_uint(cmd, "--heartbeat-interval", value, strlen(value), UINT64_MAX,
                              &inv->cfg.heartbeat_interval);
    case OPT_SIZE_CLASS: return parse_class(cmd, value, inv);
    case OPT_MODE: return parse_mode(cmd, value, &inv->mode);
    default: return 0;
    }
}

/* Defaults, and the options without one. */
static int finish(cli_inv_t *inv, const char *cmd)
{
    static const int required[] = {OPT_MAX_GUESTS, OPT_BIPBUF_CAPACITY, OPT_MAX_PAYLOAD_SIZE,
                                   OPT_SIZE_CLASS};

    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!inv->seen[required[i]]) {
            cli_usage_error(cmd, "missing --%s", options[required[i]].name);
            return -1;
        }
    }
    if (!inv->seen[OPT_HEARTBEAT_INTERVAL])
        inv->cfg.heartbeat_interval = CLI_DEFAULT_HEARTBEAT_NS;
    if (!inv->seen[OPT_MODE])
        inv->mode = ROAM_FILE_MODE_DEFAULT;
    inv->cfg.classes = inv->classes;
    return 0;
}

/* "roam-shm create: bad parameters: <why>"; returns 2. */
static int bad_parameters(const char *why)
{
    fprintf(stderr, CLI_PROG " create: bad parameters: %s\n", why);
    return CLI_EXIT_USAGE;
}

/* The message for a create the library refused. */
static int report_refused(const char *path, roam_err_t err, const roam_diag_t *d)
{
    bool alive = false;

    switch (err) {
    case ROAM_E_EXISTS:
        if (roam_segment_host_alive(path, &alive, NULL) == ROAM_OK && alive)
            return cli_report_io(path, "already exists, and a live host holds it");
        return cli_report_io(path, "already exists (pass --force to replace it)");
    case ROAM_E_HOST_LIVE:
        return cli_report_io(path, "a live host holds it: not replaced");
    case ROAM_E_FILE_MODE:
        return bad_parameters(d->msg);
    default:
        return cli_report_io(path, "%s", d->msg);
    }
}

static int run(const cli_inv_t *inv)
{
    roam_create_opts_t opts = {ROAM_CREATE_SYNC, inv->mode};
    sigset_t stop, old;
    roam_layout_t layout;
    roam_segment_t seg;
    struct stat st;
    roam_diag_t d;
    roam_err_t err;

    /* The parameters first: bad ones exit 2 and create nothing. */
    if (roam_config_check(&inv->cfg, &d) != ROAM_OK)
        return bad_parameters(d.msg);
    err = roam_layout_compute(&inv->cfg, &layout);
    if (err != ROAM_OK)
        return bad_parameters(roam_strerror(err));
    if (layout.total_size > ROAM_SEGMENT_MAX_SIZE)
        return bad_parameters("total_size would exceed ROAM_SEGMENT_MAX_SIZE ("
                              ROAM_SEGMENT_MAX_SIZE_STR " bytes)");
    /* The same message as every command for a FIFO, device or directory. */
    if (stat(inv->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_seg_t probe;
        int rc = cli_seg_open(&probe, inv->path, false, false);

        cli_seg_close(&probe);
        return rc;
    }
    if (inv->seen[OPT_FORCE])
        opts.flags |= ROAM_CREATE_REPLACE_STALE;

    /* Built under a temporary name and renamed into place. A termination
     * signal waits until that is done or undone (SIGKILL cannot: it leaves
     * at most a hidden temporary, which the next create removes). */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &old);
    err = roam_segment_create_ex(&seg, inv->path, &inv->cfg, &opts, &d);
    roam_segment_close(&seg);
    sigprocmask(SIG_SETMASK, &old, NULL);

    if (err != ROAM_OK)
        return report_refused(inv->path, err, &d);
    printf("created %s (total_size %llu)\n", inv->path, (unsigned long long)layout.total_size);
    return CLI_EXIT_OK;
}

const cli_command_t cli_cmd_create = {
    .name = "create",
    .summary = "create a fresh segment file",
    .usage =
        "usage: " CLI_PROG " create FILE --max-guests N --bipbuf-capacity N\n"
        "           --max-payload-size N [--inline-threshold N] [--heartbeat-interval NS]\n"
        "           --size-class SLOT_SIZE:COUNT [--size-class ...] [--mode OCTAL] [--force]\n"
        "\n"
        "Create a fresh roam v7 segment in FILE: header, every peer Empty, every\n"
        "BipBuffer empty, every size class with all its slots free. It is built\n"
        "under a temporary name beside FILE and renamed into place once complete\n"
        "(and synced), so FILE never holds half a segment. Numbers are decimal.\n"
        "On success prints 'created FILE (total_size N)'.\n"
        "\n"
        "  --max-guests N             peer-table entries, 1 to " ROAM_MAX_GUESTS_STR "\n"
        "  --bipbuf-capacity N        data bytes per BipBuffer, a multiple of "
        ROAM_SEGMENT_ALIGN_STR ", at\n"
        "                             least the inline threshold\n"
        "  --max-payload-size N       largest payload a peer may send, at least 1\n"
        "  --inline-threshold N       largest inline frame; 0 (default) means "
        ROAM_DEFAULT_INLINE_THRESHOLD_STR "\n"
        "  --heartbeat-interval NS    heartbeat period in ns; default "
        CLI_STR(CLI_DEFAULT_HEARTBEAT_NS) " (1 s);\n"
        "                             0 turns heartbeats off\n"
        "  --size-class SIZE:COUNT    one var-slot class, in order; at least one, at\n"
        "                             most " ROAM_MAX_SIZE_CLASSES_STR "; SIZE larger than the "
        ROAM_SLOT_LEN_PREFIX_SIZE_STR "-byte length prefix\n"
        "                             roam puts in every slot\n"
        "  --mode OCTAL               permission bits, exactly (default 0600: owner\n"
        "                             only); must include 0600, at most 0777\n"
        "  --force                    replace FILE if no live host holds it\n"
        "  -h, --help                 print this help\n"
        "\n"
        "Bad parameters and I/O errors exit 2; FILE is then left as it was.\n",
    .options = options,
    .noptions = NOPTIONS,
    .apply = apply,
    .finish = finish,
    .run = run,
};
