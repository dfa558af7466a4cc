/*
 * libFuzzer: whole-segment validation on mutated segments (the seeds are
 * segments made by roam-shm create). On whatever validates: navigation to
 * every peer, ring and class, the lint, routing, frame checks on the
 * bytes the rings say are readable, and peer operations chosen by the
 * input's last bytes. The segment is in an aligned block of exactly the
 * input's size, so any read past it is caught; the library's own
 * operations must leave a valid segment valid.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Peer entries the operations touch, at most. */
#define FUZZ_PEERS 8

/* Readable entries of one ring, checked from its read index. */
static void fuzz_ring(const roam_bipbuf_header_t *r)
{
    uint32_t cap = roam_bipbuf_header_capacity(r);
    uint32_t rd = roam_bipbuf_header_load_read(r);
    uint32_t wr = roam_bipbuf_header_load_write(r);
    uint32_t wm = roam_bipbuf_header_load_watermark(r);
    const unsigned char *area = (const unsigned char *)r + ROAM_BIPBUF_HEADER_SIZE;
    uint32_t end = wm != 0 && rd < wm ? wm : wr > rd ? wr : cap;
    roam_diag_t d;

    /* Validation proved every index <= capacity. */
    if (rd > cap || wr > cap || wm > cap || end > cap)
        abort();
    while (rd < end) {
        roam_frame_header_t h;

        if (roam_frame_check(area + rd, end - rd, &d) != ROAM_OK)
            break;
        memcpy(&h, area + rd, sizeof h);
        rd += roam_frame_header_total_len(&h);
    }
}

/* Every route must name a class that exists and holds the payload. */
static void fuzz_route(const void *base, const roam_segment_header_plain_t *snap, uint32_t len)
{
    uint32_t cls = UINT32_MAX;
    roam_frame_kind_t k = roam_frame_route(base, snap, len, &cls);

    if (k == ROAM_FRAME_SLOT_REF &&
        (cls >= roam_segment_header_plain_num_var_slot_classes(snap) ||
         roam_size_class_header_slot_size(roam_segment_class(base, snap, cls)) < len))
        abort();
}

/* Peer operations, one per input byte, on the first entries. */
static void fuzz_peers(const void *base, const roam_segment_header_plain_t *snap, const uint8_t *ops,
                       size_t nops)
{
    uint32_t n = roam_segment_header_plain_max_guests(snap);

    if (n > FUZZ_PEERS)
        n = FUZZ_PEERS;
    for (size_t i = 0; i < nops && n > 0; i++) {
        roam_peer_entry_t *p = roam_segment_peer(base, snap, ops[i] % n);
        uint32_t found, epoch = roam_peer_entry_load_epoch(p);

        switch ((ops[i] / n) % 9) {
        case 0: roam_peer_attach(p, &found, &epoch); break;
        case 1: roam_peer_reserve(p, &found, &epoch); break;
        case 2: roam_peer_claim(p, &found); break;
        case 3: roam_peer_release(p, &found); break;
        case 4: roam_peer_detach(p, epoch, &found); break;
        case 5: roam_peer_held(p, epoch, &found); break;
        case 6: roam_peer_goodbye(p); break;
        case 7: roam_peer_reset(p); break;
        default: roam_peer_heartbeat(p, ops[i]); break;
        }
    }
}

static void fuzz_valid(void *base, size_t size, const roam_segment_header_plain_t *snap,
                       const uint8_t *data)
{
    uint32_t guests = roam_segment_header_plain_max_guests(snap);
    uint32_t classes = roam_segment_header_plain_num_var_slot_classes(snap);
    roam_size_class_t table[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg;
    roam_diag_t found[4];
    roam_diag_t d;

    for (uint32_t i = 0; i < guests; i++) {
        if (roam_segment_peer(base, snap, i) == NULL)
            abort();
        fuzz_ring(roam_segment_ring(base, snap, i, ROAM_RING_GUEST_TO_HOST));
        fuzz_ring(roam_segment_ring(base, snap, i, ROAM_RING_HOST_TO_GUEST));
    }
    for (uint32_t c = 0; c < classes; c++) {
        const roam_size_class_header_t *h = roam_segment_class(base, snap, c);

        fuzz_route(base, snap, roam_size_class_header_slot_size(h));
        fuzz_route(base, snap, roam_size_class_header_slot_size(h) + 1);
    }
    if (roam_segment_peer(base, snap, guests) != NULL || roam_segment_class(base, snap, classes))
        abort();
    fuzz_route(base, snap, 0);
    fuzz_route(base, snap, roam_segment_header_plain_max_payload_size(snap));
    fuzz_route(base, snap, UINT32_MAX);
    roam_segment_lint(base, snap, found, 4);
    roam_segment_config(base, snap, &cfg, table);
    roam_config_check(&cfg, &d);

    /* The input's last bytes choose peer operations. */
    fuzz_peers(base, snap, data + size - (size < 16 ? size : 16), size < 16 ? size : 16);
    if (roam_segment_validate(base, size, NULL, &d) != ROAM_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roam_segment_header_plain_t snap;
    roam_diag_t d;
    void *buf;

    /* Aligned as a mapping is, and exactly size bytes long. */
    if (posix_memalign(&buf, ROAM_SEGMENT_ALIGN, size > 0 ? size : 1) != 0)
        return 0;
    memcpy(buf, data, size);
    if (roam_segment_validate(buf, size, &snap, &d) == ROAM_OK)
        fuzz_valid(buf, size, &snap, data);
    free(buf);
    return 0;
}
