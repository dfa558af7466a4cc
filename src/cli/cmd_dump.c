/* roam-shm dump: print a segment's header, and its tables when the file is whole. */

#include "cli.h"
#include "roam_segment.h"

static const char usage[] =
    "usage: " CLI_PROG " dump [--json] [--frames] FILE\n"
    "\n"
    "Print the segment header of FILE as name=value lines in schema order\n"
    "(magic as text with \\xNN escapes, effective_inline_threshold after\n"
    "inline_threshold). When FILE holds the whole segment (at least\n"
    "current_size bytes) and it validates, also print every peer entry as\n"
    "peers.I.* (I = index, id = I + 1) and every size class as size_classes.I.*.\n"
    "With heartbeats on, a peer that has sent one also gets heartbeat_age_ns:\n"
    "now minus its last_heartbeat, on the machine's monotonic clock.\n"
    "An invalid header prints 'FILE: <reason>' on stderr and exits 1, as does a\n"
    "whole-length file that fails segment validation (after its header).\n"
    "\n"
    "  --json      print one JSON object instead, with the same names;\n"
    "              \"peers\" and \"size_classes\" are arrays\n"
    "  --frames    print instead every ring's unread entries, decoded, without\n"
    "              consuming them: rings.I.peer_id/direction/write/read/watermark\n"
    "              and rings.I.frames.J.offset/total_len/kind, then for inline\n"
    "              entries payload_len and a preview (first 32 bytes), for slot\n"
    "              references the slot (class_idx, slot_idx, generation) and its\n"
    "              payload_len and preview, for mmap references the reference.\n"
    "              Only rings with unread bytes are listed. A malformed entry\n"
    "              ends its ring, is named on stderr and exits 1\n"
    "  -h, --help  print this help\n";

enum { OPT_HELP, OPT_JSON, OPT_FRAMES };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_JSON] = {"json", 0, false},
    [OPT_FRAMES] = {"frames", 0, false},
};

/* With heartbeats on, how long ago a guest that has beaten last did so. */
static void emit_heartbeat_age(cli_emit_t *e, const roam_segment_header_plain_t *snap,
                               const roam_peer_entry_t *peer, uint64_t now)
{
    uint64_t last = roam_peer_entry_load_last_heartbeat(peer);
    if (roam_segment_header_plain_heartbeat_interval(snap) == 0 || last == 0)
        return;
    cli_emit_uint(e, "heartbeat_age_ns", now > last ? now - last : 0);
}

/* The tables below are read from the file's private copy (cli_file_read),
 * so no other process changes them while they are printed. */

/* "peers": one object per entry, with its peer id first. */
static void emit_peers(cli_emit_t *e, const void *base, const roam_segment_header_plain_t *snap)
{
    uint64_t now = roam_clock_now_ns();
    size_t n;
    const roam_field_info_t *fields = roam_peer_entry_fields(&n);
    cli_emit_open(e, "peers", '[');
    for (uint32_t i = 0; i < roam_segment_header_plain_max_guests(snap); i++) {
        const roam_peer_entry_t *peer = roam_segment_peer(base, snap, i);
        cli_emit_open(e, NULL, '{');
        cli_emit_uint(e, "id", (uint64_t)i + 1);
        cli_emit_fields(e, peer, fields, n);
        emit_heartbeat_age(e, snap, peer, now);
        cli_emit_close(e);
    }
    cli_emit_close(e);
}

/* "size_classes": one object per class header. */
static void emit_classes(cli_emit_t *e, const void *base, const roam_segment_header_plain_t *snap)
{
    size_t n;
    const roam_field_info_t *fields = roam_size_class_header_fields(&n);
    cli_emit_open(e, "size_classes", '[');
    for (uint32_t i = 0; i < roam_segment_header_plain_num_var_slot_classes(snap); i++) {
        cli_emit_open(e, NULL, '{');
        cli_emit_fields(e, roam_segment_class(base, snap, i), fields, n);
        cli_emit_close(e);
    }
    cli_emit_close(e);
}

/* Print the file; returns the exit code. */
static int dump(const char *path, const cli_file_t *f, const bool *seen)
{
    if (seen[OPT_FRAMES])
        return cli_dump_frames(path, f, seen[OPT_JSON]);

    /* Header rules only, so that a lone header can be dumped. */
    roam_segment_header_plain_t snap;
    roam_err_t err = roam_header_validate(f->data, f->len, 0, &snap);
    if (err != ROAM_OK)
        return cli_report_invalid(path, err, NULL);

    /* The tables only when the file holds the whole, valid segment. */
    roam_diag_t diag = {0};
    bool whole = f->len >= roam_segment_header_plain_current_size(&snap);
    roam_err_t seg_err = ROAM_OK;
    if (whole) {
        roam_segment_header_plain_t seg_snap;
        seg_err = roam_segment_validate(f->data, f->len, &seg_snap, &diag);
    }

    size_t n;
    const roam_field_info_t *fields = roam_segment_header_fields(&n);
    cli_emit_t e;
    cli_emit_init(&e, stdout, seen[OPT_JSON]);
    cli_emit_open(&e, NULL, '{');
    cli_emit_fields(&e, &snap, fields, n);
    if (whole && seg_err == ROAM_OK) {
        emit_peers(&e, f->data, &snap);
        emit_classes(&e, f->data, &snap);
    }
    cli_emit_close(&e);
    fflush(stdout);
    return seg_err == ROAM_OK ? CLI_EXIT_OK : cli_report_invalid(path, seg_err, &diag);
}

int cmd_dump(int argc, char **argv)
{
    return cli_run_on_file(argc, argv, options, sizeof options / sizeof options[0], usage, dump);
}
