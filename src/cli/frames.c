/* roam-shm dump --frames: every ring's unread entries, decoded, from the
 * file's private copy (nothing is consumed). */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "roam_data.h"

/* Bytes of payload shown per entry. */
#define PREVIEW_BYTES 32u

static const char *const dir_name[2] = {"guest_to_host", "host_to_guest"};

/* A slot reference's target: its length prefix and the first bytes. */
static void emit_slot(cli_emit_t *e, const roam_pool_t *pool, bool have_pool, roam_slot_t s)
{
    uint32_t size, len;
    unsigned char *slot;
    roam_err_t err;

    cli_emit_uint(e, "class_idx", s.class_idx);
    cli_emit_uint(e, "extent_idx", s.extent_idx);
    cli_emit_uint(e, "slot_idx", s.slot_idx);
    cli_emit_uint(e, "generation", s.generation);
    if (!have_pool)
        return;
    err = roam_pool_check(pool, s);
    slot = roam_pool_slot(pool, s, &size);
    if (err == ROAM_OK)
        err = roam_slot_payload_len(slot, size, &len);
    if (err != ROAM_OK) {
        cli_emit_str(e, "slot_error", roam_strerror(err));
        return;
    }
    cli_emit_uint(e, "payload_len", len);
    cli_emit_bytes(e, "preview", slot + ROAM_SLOT_LEN_PREFIX_SIZE,
                   len < PREVIEW_BYTES ? len : PREVIEW_BYTES);
}

/* One decoded entry at ring offset off. */
static void emit_frame(cli_emit_t *e, const roam_pool_t *pool, bool have_pool, uint32_t off,
                       const roam_frame_t *f)
{
    cli_emit_open(e, NULL, '{');
    cli_emit_uint(e, "offset", off);
    cli_emit_uint(e, "total_len", f->total_len);
    switch (f->kind) {
    case ROAM_FRAME_INLINE:
        cli_emit_str(e, "kind", "inline");
        cli_emit_uint(e, "inline_payload_len", f->len_known ? f->payload_len : 0);
        cli_emit_uint(e, "payload_len", f->payload_len);
        cli_emit_bytes(e, "preview", f->payload,
                       f->payload_len < PREVIEW_BYTES ? f->payload_len : PREVIEW_BYTES);
        break;
    case ROAM_FRAME_SLOT_REF:
        cli_emit_str(e, "kind", "slot_ref");
        emit_slot(e, pool, have_pool, f->slot);
        break;
    default:
        cli_emit_str(e, "kind", "mmap_ref");
        cli_emit_uint(e, "map_id", roam_mmap_ref_map_id(&f->mmap));
        cli_emit_uint(e, "map_generation", roam_mmap_ref_map_generation(&f->mmap));
        cli_emit_uint(e, "map_offset", roam_mmap_ref_map_offset(&f->mmap));
        cli_emit_uint(e, "payload_len", roam_mmap_ref_payload_len(&f->mmap));
        break;
    }
    cli_emit_close(e);
}

/* One ring with unread bytes; false (and *why) if an index or an entry is
 * malformed: the rest of that ring cannot be framed. */
static bool emit_ring(cli_emit_t *e, const roam_ring_t *r, uint32_t index, int dir,
                      const roam_pool_t *pool, bool have_pool, char *why, size_t why_len)
{
    roam_ring_view_t v;
    roam_err_t err = roam_ring_peek(r, &v);
    bool ok = true;

    if (err == ROAM_OK && v.parts == 0)
        return true;
    cli_emit_open(e, NULL, '{');
    cli_emit_uint(e, "peer_id", (uint64_t)index + 1);
    cli_emit_str(e, "direction", dir_name[dir]);
    cli_emit_uint(e, "write", v.write);
    cli_emit_uint(e, "read", v.read);
    cli_emit_uint(e, "watermark", v.watermark);
    if (err != ROAM_OK) {
        snprintf(why, why_len, "peer %" PRIu32 " %s ring: %s", index, dir_name[dir],
                 roam_strerror(err));
        cli_emit_str(e, "error", roam_strerror(err));
        cli_emit_close(e);
        return false;
    }

    cli_emit_open(e, "frames", '[');
    for (uint32_t k = 0; k < v.parts && ok; k++) {
        uint32_t off = v.part[k].off, end = off + v.part[k].len;

        while (off < end) {
            roam_diag_t d;
            roam_frame_t f;

            if (roam_frame_decode(r->data + off, end - off, &f, &d) != ROAM_OK) {
                snprintf(why, why_len, "peer %" PRIu32 " %s ring at %" PRIu32 ": %s", index,
                         dir_name[dir], off, d.msg);
                ok = false;
                break;
            }
            emit_frame(e, pool, have_pool, off, &f);
            off += f.total_len;
        }
    }
    cli_emit_close(e);
    if (!ok)
        cli_emit_str(e, "error", why);
    cli_emit_close(e);
    return ok;
}

int cli_dump_frames(const char *path, const cli_file_t *f, bool json)
{
    roam_segment_header_plain_t snap;
    roam_diag_t diag;
    roam_pool_t pool;
    bool have_pool, ok = true;
    char why[256];
    cli_emit_t e;
    roam_err_t err;

    /* The whole segment must be there and valid to walk its rings. */
    err = roam_segment_validate(f->data, f->len, &snap, &diag);
    if (err != ROAM_OK)
        return cli_report_invalid(path, err, &diag);
    have_pool = roam_pool_bind(&pool, f->data, f->len, &snap, NULL) == ROAM_OK;

    cli_emit_init(&e, stdout, json);
    cli_emit_open(&e, NULL, '{');
    cli_emit_open(&e, "rings", '[');
    for (uint32_t i = 0; i < roam_segment_header_plain_max_guests(&snap); i++) {
        for (int dir = ROAM_RING_GUEST_TO_HOST; dir <= ROAM_RING_HOST_TO_GUEST; dir++) {
            roam_ring_t r;

            roam_ring_open(&r, f->data, &snap, i, (enum roam_ring_dir)dir);
            if (!emit_ring(&e, &r, i, dir, &pool, have_pool, why, sizeof why)) {
                fprintf(stderr, "%s: %s\n", path, why);
                ok = false;
            }
        }
    }
    cli_emit_close(&e);
    cli_emit_close(&e);
    fflush(stdout);
    return ok ? CLI_EXIT_OK : CLI_EXIT_INVALID;
}
