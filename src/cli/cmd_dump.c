/* roam-shm dump: print a segment's header, peer table and size classes. */
#include <stdio.h>

#include "cli.h"

enum { OPT_HELP, OPT_JSON, OPT_HEADER_ONLY, OPT_PARTIAL, OPT_FRAMES };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_JSON] = {"json", 0, false},
    [OPT_HEADER_ONLY] = {"header-only", 0, false},
    [OPT_PARTIAL] = {"partial", 0, false},
    [OPT_FRAMES] = {"frames", 0, false},
};

/* Entry i of a table of size-byte entries at offset table, when it lies
 * wholly inside the mapping; NULL otherwise (no arithmetic overflows). */
static const void *entry_at(const cli_seg_t *s, uint64_t table, uint32_t i, uint64_t size)
{
    uint64_t off = table + (uint64_t)i * size;

    if (s->base == NULL || table > s->map_len || (uint64_t)i * size > s->map_len - table ||
        size > s->map_len - off)
        return NULL;
    return (const unsigned char *)s->base + off;
}

/* With heartbeats on, how long ago a guest that has beaten last did so. */
static void emit_heartbeat_age(cli_emit_t *e, const roam_segment_header_plain_t *snap,
                               const roam_peer_entry_t *peer, uint64_t now)
{
    uint64_t last = roam_peer_entry_load_last_heartbeat(peer);
    if (roam_segment_header_plain_heartbeat_interval(snap) == 0 || last == 0)
        return;
    cli_emit_uint(e, "heartbeat_age_ns", now > last ? now - last : 0);
}

/* How many entries of a table were shown, of how many there are. */
typedef struct shown {
    uint32_t shown;
    uint64_t total;
    uint32_t limit;   /* the most entries the format allows */
    bool cut;         /* the file was cut short while it was read */
} shown_t;

/* "peers": one object per entry that can be read, with roam's peer_id
 * (index + 1) first. Each entry is copied out before it is printed. */
static shown_t emit_peers(cli_emit_t *e, const cli_seg_t *s)
{
    shown_t r = {0, roam_segment_header_plain_max_guests(&s->snap), ROAM_MAX_GUESTS, false};
    uint64_t now = roam_clock_now_ns();
    size_t n;
    const roam_field_info_t *fields = roam_peer_entry_fields(&n);

    cli_emit_open(e, "peers", '[');
    for (uint32_t i = 0; i < r.total && i < r.limit; i++) {
        const void *at = entry_at(s, roam_segment_header_plain_peer_table_offset(&s->snap), i,
                                  ROAM_PEER_ENTRY_SIZE);
        roam_peer_entry_t peer;

        if (at == NULL)
            break;
        if (!cli_copy_shared(&peer, at, sizeof peer)) {
            r.cut = true;
            break;
        }
        cli_emit_open(e, NULL, '{');
        cli_emit_uint(e, "peer_id", (uint64_t)i + 1);
        cli_emit_fields(e, &peer, fields, n);
        emit_heartbeat_age(e, &s->snap, &peer, now);
        cli_emit_close(e);
        r.shown++;
    }
    cli_emit_close(e);
    return r;
}

/* "size_classes": one object per class header that can be read. */
static shown_t emit_classes(cli_emit_t *e, const cli_seg_t *s)
{
    shown_t r = {0, roam_segment_header_plain_num_var_slot_classes(&s->snap), ROAM_MAX_SIZE_CLASSES,
                 false};
    size_t n;
    const roam_field_info_t *fields = roam_size_class_header_fields(&n);

    cli_emit_open(e, "size_classes", '[');
    for (uint32_t i = 0; i < r.total && i < r.limit; i++) {
        const void *at = entry_at(s, roam_segment_header_plain_var_pool_offset(&s->snap), i,
                                  ROAM_SIZE_CLASS_HEADER_SIZE);
        roam_size_class_header_t c;

        if (at == NULL)
            break;
        if (!cli_copy_shared(&c, at, sizeof c)) {
            r.cut = true;
            break;
        }
        cli_emit_open(e, NULL, '{');
        cli_emit_fields(e, &c, fields, n);
        cli_emit_close(e);
        r.shown++;
    }
    cli_emit_close(e);
    return r;
}

/* "PATH: not shown: peers 3..7 (why)" for a table not shown in full. */
static void report_unshown(const char *path, const char *table, const shown_t *r)
{
    const char *why = r->cut               ? "the file was cut short while it was read"
                      : r->shown == r->limit ? "more entries than the format allows"
                                             : "past the end of the file or of 64-bit offsets";

    if (r->shown < r->total)
        fprintf(stderr, "%s: not shown: %s %u..%llu (%s)\n", path, table, r->shown,
                (unsigned long long)r->total - 1, why);
}

/* dump --frames: the rings of the whole, valid segment. */
static int run_frames(const cli_inv_t *inv)
{
    cli_seg_t s;
    int rc = cli_seg_open(&s, inv->path, false, false);

    if (rc == CLI_ARGS_RUN)
        rc = cli_seg_map(&s, false, false);
    if (rc == CLI_ARGS_RUN)
        rc = cli_seg_validate(&s) == ROAM_OK ? cli_dump_frames(&s, inv->seen[OPT_JSON])
                                             : CLI_EXIT_INVALID;
    cli_seg_close(&s);
    return rc;
}

static int run(const cli_inv_t *inv)
{
    bool partial = inv->seen[OPT_PARTIAL];
    bool header_only = inv->seen[OPT_HEADER_ONLY];
    cli_emit_t e;
    cli_seg_t s;
    size_t n;
    const roam_field_info_t *fields = roam_segment_header_fields(&n);
    int rc;
    bool valid;

    if (inv->seen[OPT_FRAMES])
        return run_frames(inv);
    rc = cli_seg_open(&s, inv->path, false, partial);

    if (rc != CLI_ARGS_RUN || !s.have_header) {
        /* Nothing to show: a bad header (without --partial), or no header at all. */
        if (rc == CLI_ARGS_RUN)
            rc = cli_report_invalid(inv->path, s.header_err, NULL);
        cli_seg_close(&s);
        return rc;
    }

    /* The whole segment is validated before anything is printed, so the
     * tables appear only for a valid one (or on request, as read). */
    valid = s.header_err == ROAM_OK;
    if (!valid)
        cli_report_invalid(inv->path, s.header_err, NULL);
    if (!header_only && valid) {
        rc = cli_seg_map(&s, false, false);
        if (rc == CLI_ARGS_RUN)
            valid = cli_seg_validate(&s) == ROAM_OK;
    }
    /* --partial on an invalid segment: everything the file holds. */
    if (rc == CLI_ARGS_RUN && !header_only && !valid && partial) {
        cli_seg_unmap(&s);
        rc = cli_seg_map(&s, false, true);
    }
    if (rc != CLI_ARGS_RUN) {
        cli_seg_close(&s);
        return rc;
    }

    cli_emit_init(&e, stdout, inv->seen[OPT_JSON]);
    cli_emit_open(&e, NULL, '{');
    cli_emit_fields(&e, &s.snap, fields, n);
    if (!header_only && (valid || partial)) {
        shown_t peers = emit_peers(&e, &s);
        shown_t classes = emit_classes(&e, &s);

        cli_emit_close(&e);
        cli_flush_stdout();
        report_unshown(inv->path, "peers", &peers);
        report_unshown(inv->path, "size_classes", &classes);
        if (!valid)
            fprintf(stderr, "%s: shown as read: the segment is not valid\n", inv->path);
        if (peers.cut || classes.cut)
            valid = false;
    } else {
        cli_emit_close(&e);
        cli_flush_stdout();
        if (!header_only)
            fprintf(stderr, "%s: not shown: peers, size_classes (the segment is not valid; "
                            "--partial shows what can be read)\n", inv->path);
    }
    cli_seg_close(&s);
    return valid ? CLI_EXIT_OK : CLI_EXIT_INVALID;
}

const cli_command_t cli_cmd_dump = {
    .name = "dump",
    .summary = "print a segment's header, peer table and size classes",
    .usage =
        "usage: " CLI_PROG " dump [--json] [--header-only | --partial | --frames] FILE\n"
        "\n"
        "Print the segment header of FILE as name=value lines in schema order\n"
        "(magic as text with \\xNN escapes, effective_inline_threshold after\n"
        "inline_threshold), then, once the whole segment validates, every peer\n"
        "entry as peers.I.* (I = table index, peer_id = I + 1, as roam numbers\n"
        "guests) and every size class as size_classes.I.*. With heartbeats on, a\n"
        "peer that has sent one also gets heartbeat_age_ns: now minus its\n"
        "last_heartbeat, on the machine's monotonic clock.\n"
        "A segment that is not valid prints its header, 'FILE: <reason>' and\n"
        "'FILE: not shown: ...' on stderr, and exits 1; an invalid header prints\n"
        "only the reason. The file is mapped, never read whole.\n"
        "\n"
        "  --json         print one JSON object instead, with the same names;\n"
        "                 \"peers\" and \"size_classes\" are arrays\n"
        "  --header-only  print only the header (exit 0 when it is valid)\n"
        "  --partial      print whatever can be read, even of an invalid segment:\n"
        "                 the header and every entry inside the file, unvalidated;\n"
        "                 stderr says what could not be shown (still exits 1)\n"
        "  --frames       print instead every ring's unread entries, decoded, without\n"
        "                 consuming them: rings.I.peer_id/direction/write/read/watermark\n"
        "                 and rings.I.frames.J.offset/total_len/kind, then for inline\n"
        "                 entries payload_len and a preview (first 32 bytes), for slot\n"
        "                 references the slot (class_idx, slot_idx, generation) and its\n"
        "                 payload_len and preview, for mmap references the reference.\n"
        "                 Only rings with unread bytes are listed. A malformed entry\n"
        "                 ends its ring, is named on stderr and exits 1\n"
        "  -h, --help     print this help\n",
    .options = options,
    .noptions = sizeof options / sizeof options[0],
    .run = run,
};
