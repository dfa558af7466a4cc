/*
 * Frames as roam's peers write and read them (reference §6): the inline
 * payload length in bytes 6..7 of the entry header (0 = unknown: the
 * reader takes total_len - 8, padding included), slot and mmap references,
 * and the 4-byte length prefix at the start of a slot payload.
 *
 * Entries sit at 4-byte boundaries of a ring, so every struct is built or
 * read in a private copy and moved with memcpy.
 */
#include <string.h>

#include "data_internal.h"

_Static_assert(ROAM_SLOT_LEN_PREFIX_SIZE == sizeof(uint32_t), "slot length prefix is a u32");

roam_err_t roam_frame_decode(const void *entry, uint32_t avail, roam_frame_t *f, roam_diag_t *diag)
{
    const unsigned char *e = entry;
    roam_frame_header_t h;
    roam_slot_ref_t ref;
    roam_err_t err;
    uint8_t flags;

    /* The checks copy and bound everything read below. */
    err = roam_frame_check(entry, avail, diag);
    if (err)
        return err;
    memset(f, 0, sizeof *f);
    memcpy(&h, e, sizeof h);
    f->total_len = roam_frame_header_total_len(&h);
    flags = roam_frame_header_flags(&h);

    if (flags & ROAM_FRAME_FLAGS_SLOT_REF) {
        memcpy(&ref, e + ROAM_FRAME_HEADER_SIZE, sizeof ref);
        f->kind = ROAM_FRAME_SLOT_REF;
        f->slot.class_idx = roam_slot_ref_class_idx(&ref);
        f->slot.extent_idx = roam_slot_ref_extent_idx(&ref);
        f->slot.slot_idx = roam_slot_ref_slot_idx(&ref);
        f->slot.generation = roam_slot_ref_generation(&ref);
        return ROAM_OK;
    }
    if (flags & ROAM_FRAME_FLAGS_MMAP_REF) {
        memcpy(&f->mmap, e + ROAM_FRAME_HEADER_SIZE, sizeof f->mmap);
        f->kind = ROAM_FRAME_MMAP_REF;
        return ROAM_OK;
    }

    /* Inline: the exact length when the writer gave it, else all of it. */
    f->kind = ROAM_FRAME_INLINE;
    f->payload = e + ROAM_FRAME_HEADER_SIZE;
    f->payload_len = roam_frame_header_inline_payload_len(&h);
    f->len_known = f->payload_len != 0;
    if (!f->len_known)
        f->payload_len = f->total_len - ROAM_FRAME_HEADER_SIZE;
    return ROAM_OK;
}

/* An entry header with total_len, flags and inline_payload_len; reserved zero. */
static void roam__frame_put_header(unsigned char *e, uint32_t total_len, uint8_t flags,
                                   uint16_t inline_len)
{
    roam_frame_header_t h;

    memset(&h, 0, sizeof h);
    roam_frame_header_set_total_len(&h, total_len);
    roam_frame_header_set_flags(&h, flags);
    roam_frame_header_set_inline_payload_len(&h, inline_len);
    memcpy(e, &h, sizeof h);
}

uint32_t roam_frame_put_inline(void *entry, const void *payload, uint32_t len)
{
    unsigned char *e = entry;
    uint32_t total = roam_frame_inline_len(len);

    roam__frame_put_header(e, total, 0, (uint16_t)len);
    if (payload != NULL)
        memcpy(e + ROAM_FRAME_HEADER_SIZE, payload, len);
    memset(e + ROAM_FRAME_HEADER_SIZE + len, 0, total - ROAM_FRAME_HEADER_SIZE - len);
    return total;
}

void roam_frame_put_slot_ref(void *entry, roam_slot_t s)
{
    unsigned char *e = entry;
    roam_slot_ref_t ref;

    memset(&ref, 0, sizeof ref);
    roam_slot_ref_set_class_idx(&ref, s.class_idx);
    roam_slot_ref_set_extent_idx(&ref, s.extent_idx);
    roam_slot_ref_set_slot_idx(&ref, s.slot_idx);
    roam_slot_ref_set_generation(&ref, s.generation);
    roam__frame_put_header(e, ROAM_SLOT_REF_ENTRY_SIZE, ROAM_FRAME_FLAGS_SLOT_REF, 0);
    memcpy(e + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
}

void roam_frame_put_mmap_ref(void *entry, const roam_mmap_ref_t *m)
{
    unsigned char *e = entry;
    roam_mmap_ref_t ref;

    memset(&ref, 0, sizeof ref);
    roam_mmap_ref_set_map_id(&ref, roam_mmap_ref_map_id(m));
    roam_mmap_ref_set_map_generation(&ref, roam_mmap_ref_map_generation(m));
    roam_mmap_ref_set_map_offset(&ref, roam_mmap_ref_map_offset(m));
    roam_mmap_ref_set_payload_len(&ref, roam_mmap_ref_payload_len(m));
    roam__frame_put_header(e, ROAM_MMAP_REF_ENTRY_SIZE, ROAM_FRAME_FLAGS_MMAP_REF, 0);
    memcpy(e + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
}

roam_err_t roam_slot_payload_len(const unsigned char *slot, uint32_t slot_size, uint32_t *len)
{
    uint32_t n;

    if (slot_size < ROAM_SLOT_LEN_PREFIX_SIZE)
        return ROAM_E_SLOT_LEN;
    /* One read of the prefix: the writer may still be scribbling on it. */
    memcpy(&n, slot, sizeof n);
    if (n > slot_size - ROAM_SLOT_LEN_PREFIX_SIZE)
        return ROAM_E_SLOT_LEN;
    *len = n;
    return ROAM_OK;
}
