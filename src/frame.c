/*
 * Framing inside a BipBuffer (reference §6): the size of an inline entry,
 * how a payload is sent (as roam's sender routes it), and the checks on one
 * entry a reader sees (bytes 6..7 of the header hold roam's inline length).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roam_internal.h"

/* The entry sizes are a header followed by the struct they carry. */
_Static_assert(ROAM_FRAME_HEADER_SIZE == sizeof(roam_frame_header_t), "frame header size");
_Static_assert(ROAM_SLOT_REF_ENTRY_SIZE == ROAM_FRAME_HEADER_SIZE + sizeof(roam_slot_ref_t),
               "slot-reference entry size");
_Static_assert(ROAM_MMAP_REF_ENTRY_SIZE == ROAM_FRAME_HEADER_SIZE + sizeof(roam_mmap_ref_t),
               "mmap-reference entry size");
_Static_assert(ROAM_MMAP_REF_ENTRY_SIZE >= ROAM_SLOT_REF_ENTRY_SIZE, "largest reference entry");

uint32_t roam_frame_inline_len(uint32_t payload_len)
{
    /* In 64 bits the sum cannot wrap; only the result may not fit. */
    uint64_t len = (uint64_t)ROAM_FRAME_HEADER_SIZE + payload_len + (ROAM_FRAME_ALIGN - 1);

    len -= len % ROAM_FRAME_ALIGN;
    if (len > UINT32_MAX)
        return 0;
    return (uint32_t)len;
}

roam_frame_kind_t roam__frame_route_sizes(const roam_segment_header_plain_t *snap, uint32_t payload_len,
                                          const uint32_t *slot_sizes, uint32_t n,
                                          uint32_t *class_idx)
{
    /* 64-bit: the slot must hold the length prefix and the payload. */
    uint64_t need = (uint64_t)payload_len + ROAM_SLOT_LEN_PREFIX_SIZE;
    uint32_t entry = roam_frame_inline_len(payload_len);

    /* 1. Larger than the segment allows: not sent at all. */
    if (payload_len > roam_segment_header_plain_max_payload_size(snap))
        return ROAM_FRAME_REFUSED;

    /* 2. Inline when the payload itself is within the threshold (roam's
     * sender compares the payload length, not 8 + len), its length fits the
     * 16-bit inline_payload_len, and the entry fits the ring at all. */
    if (payload_len <= roam_segment_header_plain_effective_inline_threshold(snap) &&
        payload_len <= ROAM_INLINE_PAYLOAD_MAX && entry != 0 &&
        entry <= roam_segment_header_plain_bipbuf_capacity(snap))
        return ROAM_FRAME_INLINE;

    /* 3. The first class in table order whose slots hold prefix + payload. */
    for (uint32_t i = 0; i < n; i++) {
        if (slot_sizes[i] >= need) {
            if (class_idx != NULL)
                *class_idx = i;
            return ROAM_FRAME_SLOT_REF;
        }
    }

    /* 4. Too large for any slot. */
    return ROAM_FRAME_MMAP_REF;
}

roam_frame_kind_t roam_frame_route(const void *base, const roam_segment_header_plain_t *snap,
                                   uint32_t payload_len, uint32_t *class_idx)
{
    uint32_t sizes[ROAM_MAX_SIZE_CLASSES];
    uint32_t n = roam_segment_header_plain_num_var_slot_classes(snap);

    /* Each class header's slot_size read once, into a private table. */
    if (n > ROAM_MAX_SIZE_CLASSES)
        n = ROAM_MAX_SIZE_CLASSES;
    for (uint32_t i = 0; i < n; i++) {
        const roam_size_class_header_t *c = roam_segment_class(base, snap, i);

        if (c == NULL) {
            n = i;
            break;
        }
        sizes[i] = roam_size_class_header_slot_size(c);
    }
    return roam__frame_route_sizes(snap, payload_len, sizes, n, class_idx);
}

/* What follows the header of a reference entry. */
typedef struct roam__frame_ref {
    const char *entry_name;   /* for messages: "slot-reference" */
    const char *struct_name;  /* the schema's name: "slot_ref" */
    uint32_t entry_size;      /* the entry's one valid total_len */
    const roam_field_info_t *(*fields)(size_t *count);
} roam__frame_ref_t;

static const roam__frame_ref_t roam__slot_ref = {
    "slot-reference", "slot_ref", ROAM_SLOT_REF_ENTRY_SIZE, roam_slot_ref_fields};
static const roam__frame_ref_t roam__mmap_ref = {
    "mmap-reference", "mmap_ref", ROAM_MMAP_REF_ENTRY_SIZE, roam_mmap_ref_fields};

/* The reference after a header already checked: exact size, and every
 * reserved field the schema declares for it zero. */
static roam_err_t roam__frame_check_ref(const unsigned char *entry, uint32_t total_len,
                                        const roam__frame_ref_t *kind, roam_diag_t *diag)
{
    unsigned char ref[ROAM_MMAP_REF_ENTRY_SIZE];
    const roam_field_info_t *fields;
    size_t n;

    if (total_len != kind->entry_size)
        return roam__diag(diag, ROAM_E_FRAME_LEN, 0, "frame: %s entry has total_len %u, not %u",
                          kind->entry_name, total_len, kind->entry_size);
    /* A private copy: a reference in a ring may sit at 4 mod 8. */
    memcpy(ref, entry + ROAM_FRAME_HEADER_SIZE, kind->entry_size - ROAM_FRAME_HEADER_SIZE);
    fields = kind->fields(&n);
    for (size_t i = 0; i < n; i++) {
        if (fields[i].reserved && roam_field_value(ref, &fields[i]) != 0)
            return roam__diag(diag, ROAM_E_FRAME_RESERVED, 0, "frame: %s %s is 0x%" PRIx64
                              ", not zero", kind->struct_name, fields[i].name,
                              roam_field_value(ref, &fields[i]));
    }
    return roam__diag_ok(diag);
}

/* Every reserved field the schema declares for the header is zero. */
static roam_err_t roam__frame_check_reserved(const roam_frame_header_t *h, roam_diag_t *diag)
{
    size_t n;
    const roam_field_info_t *fields = roam_frame_header_fields(&n);
    const unsigned char *bytes = (const unsigned char *)h;

    for (size_t i = 0; i < n; i++) {
        for (uint32_t b = 0; fields[i].reserved && b < fields[i].size; b++) {
            size_t at = (size_t)fields[i].offset + b;

            if (bytes[at] != 0)
                return roam__diag(diag, ROAM_E_FRAME_RESERVED, 0,
                                  "frame: reserved header byte at offset %zu is 0x%02x, not zero",
                                  at, (unsigned)bytes[at]);
        }
    }
    return ROAM_OK;
}

roam_err_t roam_frame_check(const void *entry, uint32_t avail, roam_diag_t *diag)
{
    roam_frame_header_t h;
    uint32_t total_len;
    uint16_t inline_len;
    uint8_t flags;
    roam_err_t err;

    /* Nothing is read unless a whole header is there. */
    if (avail < ROAM_FRAME_HEADER_SIZE)
        return roam__diag(diag, ROAM_E_FRAME_TRUNCATED, 0,
                          "frame: %u bytes readable, fewer than the %u-byte entry header", avail,
                          ROAM_FRAME_HEADER_SIZE);
    memcpy(&h, entry, sizeof h);
    total_len = roam_frame_header_total_len(&h);
    flags = roam_frame_header_flags(&h);

    /* Known bits only, and never two kinds of reference at once. */
    if (!roam_frame_flags_valid(flags)) {
        if (flags & ~(uint32_t)ROAM_FRAME_FLAGS_ALL)
            return roam__diag(diag, ROAM_E_FRAME_FLAGS, 0, "frame: flags 0x%02x set an unknown bit",
                              (unsigned)flags);
        return roam__diag(diag, ROAM_E_FRAME_FLAGS, 0,
                          "frame: flags 0x%02x set both SLOT_REF and MMAP_REF", (unsigned)flags);
    }

    /* The entry covers its header, is padded, and lies within avail. */
    if (total_len < ROAM_FRAME_HEADER_SIZE)
        return roam__diag(diag, ROAM_E_FRAME_LEN, 0,
                          "frame: total_len %u is smaller than the %u-byte entry header", total_len,
                          ROAM_FRAME_HEADER_SIZE);
    if (total_len % ROAM_FRAME_ALIGN != 0)
        return roam__diag(diag, ROAM_E_FRAME_LEN, 0, "frame: total_len %u is not a multiple of %u",
                          total_len, ROAM_FRAME_ALIGN);
    if (total_len > avail)
        return roam__diag(diag, ROAM_E_FRAME_LEN, 0,
                          "frame: total_len %u exceeds the %u bytes readable", total_len, avail);

    /* The header's reserved byte is zero. */
    err = roam__frame_check_reserved(&h, diag);
    if (err)
        return err;

    /* inline_payload_len: within the entry for inline entries (0 = unknown),
     * 0 for references, as roam's framing writes them. */
    inline_len = roam_frame_header_inline_payload_len(&h);
    if ((flags & ROAM_FRAME_FLAGS_ALL) != 0 && inline_len != 0)
        return roam__diag(diag, ROAM_E_FRAME_INLINE_LEN, 0,
                          "frame: %s entry has inline_payload_len %u, not 0",
                          (flags & ROAM_FRAME_FLAGS_SLOT_REF) ? "slot-reference" : "mmap-reference",
                          (unsigned)inline_len);
    if ((uint64_t)ROAM_FRAME_HEADER_SIZE + inline_len > total_len)
        return roam__diag(diag, ROAM_E_FRAME_INLINE_LEN, 0,
                          "frame: inline_payload_len %u runs past total_len %u",
                          (unsigned)inline_len, total_len);

    /* A reference has its exact size; inline entries are any padded length. */
    if (flags & ROAM_FRAME_FLAGS_SLOT_REF)
        return roam__frame_check_ref(entry, total_len, &roam__slot_ref, diag);
    if (flags & ROAM_FRAME_FLAGS_MMAP_REF)
        return roam__frame_check_ref(entry, total_len, &roam__mmap_ref, diag);
    return roam__diag_ok(diag);
}
