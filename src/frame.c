/*
 * Framing inside a BipBuffer (reference §6): the size of an inline entry,
 * how a payload is sent, and the checks on one entry a reader sees.
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

roam_frame_kind_t roam_frame_route(const void *base, const roam_segment_header_plain_t *snap,
                                   uint32_t payload_len, uint32_t *class_idx)
{
    uint32_t n = roam_segment_header_plain_num_var_slot_classes(snap);
    uint32_t best = n;
    uint32_t best_size = 0;

    /* Inline when the whole entry, before padding, is within the threshold. */
    if ((uint64_t)ROAM_FRAME_HEADER_SIZE + payload_len <=
        roam_segment_header_plain_effective_inline_threshold(snap))
        return ROAM_FRAME_INLINE;

    /* The smallest slot that holds the payload; strict < keeps the lowest
     * index on a tie. The class headers are only read here. */
    for (uint32_t i = 0; i < n; i++) {
        const roam_size_class_header_t *c = roam_segment_class(base, snap, i);
        uint32_t size;

        if (c == NULL)
            break;
        size = roam_size_class_header_slot_size(c);
        if (size < payload_len)
            continue;
        if (best == n || size < best_size) {
            best = i;
            best_size = size;
        }
    }
    if (best == n)
        return ROAM_FRAME_MMAP_REF;
    if (class_idx != NULL)
        *class_idx = best;
    return ROAM_FRAME_SLOT_REF;
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

roam_err_t roam_frame_check(const void *entry, uint32_t avail, roam_diag_t *diag)
{
    roam_frame_header_t h;
    uint32_t total_len;
    uint8_t flags;

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

    /* The header's reserved bytes are zero. */
    for (size_t i = 0; i < sizeof h.reserved; i++) {
        if (h.reserved[i] != 0)
            return roam__diag(diag, ROAM_E_FRAME_RESERVED, 0,
                              "frame: reserved header byte at offset %zu is 0x%02x, not zero",
                              offsetof(roam_frame_header_t, reserved) + i, (unsigned)h.reserved[i]);
    }

    /* A reference has its exact size; inline entries are any padded length. */
    if (flags & ROAM_FRAME_FLAGS_SLOT_REF)
        return roam__frame_check_ref(entry, total_len, &roam__slot_ref, diag);
    if (flags & ROAM_FRAME_FLAGS_MMAP_REF)
        return roam__frame_check_ref(entry, total_len, &roam__mmap_ref, diag);
    return roam__diag_ok(diag);
}
