/*
 * roam-shm: read, create and join roam v7 shared-memory segments.
 *
 * The layout itself (structs, constants, atomic accessors) is generated from
 * schema/ into roam_shm_layout.h; this header adds what cannot be generated:
 * validation, the segment layout computation, segment creation and the
 * peer-entry lifecycle.
 */
#ifndef ROAM_SHM_H
#define ROAM_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "roam_shm_layout.h"
#include "roam_version.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Everything declared here is the library's exported API; the rest of the
 * library is built hidden (-fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- Errors ---------------------------------------------------------------
 * roam_err_t and ROAM_ERR_MAP come from the schema's error list
 * (schema/70-errors.yaml) through roam_shm_layout.h. */

/* Fixed text for an error code; never NULL. */
const char *roam_strerror(roam_err_t err);

/* Name of the error code ("ROAM_E_BAD_MAGIC"); never NULL. */
const char *roam_errname(roam_err_t err);

/* Where a rule failed, and a message that says so. On success the
 * functions that take one set err = ROAM_OK, index = 0 and an empty msg:
 * success formats nothing. */
typedef struct roam_diag {
    roam_err_t err;
    uint32_t index;   /* peer index or class index, when the rule has one */
    char msg[192];    /* roam_strerror(err), or a sentence naming the entry; "" on success */
} roam_diag_t;

/* Internal (used by the library's inline functions): *diag (may be NULL)
 * set to success; returns ROAM_OK. */
static inline roam_err_t roam__diag_ok(roam_diag_t *diag)
{
    if (diag != NULL) {
        diag->err = ROAM_OK;
        diag->index = 0;
        diag->msg[0] = '\0';
    }
    return ROAM_OK;
}

/* ---- Header validation ----------------------------------------------------
 * Shared memory may change while it is read: these functions copy the
 * header out of `buf` exactly once into *snap and check only the copy. */

/* Copy the 128-byte header from buf into *snap; ROAM_E_TRUNCATED if len < 128. */
roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_plain_t *snap);

/* Check the header rules on a snapshot, in the documented order. */
roam_err_t roam_header_check(const roam_segment_header_plain_t *snap);

/* ROAM_E_MAPPING_SHORT unless mapped_len >= the snapshot's current_size. */
roam_err_t roam_header_check_mapping(const roam_segment_header_plain_t *snap, uint64_t mapped_len);

/* Snapshot + header rules; with ROAM_VALIDATE_MAPPING also requires
 * len >= current_size (pass it when buf is the whole mapped segment). */
#define ROAM_VALIDATE_MAPPING 1u
roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_plain_t *snap);

/* ---- Layout and creation ----------------------------------------------------
 * roam_segment_config_t, roam_size_class_t, roam_layout_t, roam_layout_compute()
 * (where everything goes for a configuration), roam_layout_from_header() and
 * the navigation functions roam_layout_<region>() are generated from the
 * schema's layout section into roam_shm_layout.h, as is
 * roam_segment_header_init(). */

/* Lay out a complete fresh segment in buf (len bytes, all zero, aligned to
 * ROAM_SEGMENT_ALIGN as a mapping is): header, every peer Empty with its
 * ring_offset, every BipBuffer header with its capacity, class headers and
 * free lists; the magic is written last. *layout_out (may be NULL) receives
 * the layout. */
roam_err_t roam_segment_init(void *buf, size_t len, const roam_segment_config_t *cfg,
                             roam_layout_t *layout_out);

/* ---- Whole-segment validation --------------------------------------------
 * Header rules (with the mapping check against len), then each class
 * header, each peer entry, each BipBuffer header. buf must be aligned to
 * ROAM_SEGMENT_ALIGN (ROAM_E_BUFFER_ALIGN otherwise), as a mapping is.
 * *snap receives the header snapshot; *diag (may be NULL) says which entry
 * failed. */
roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                                 roam_diag_t *diag);

/* ---- Navigation (offsets from a validated snapshot) ----------------------
 * Like strchr, these take the segment as const and return pointers the
 * caller may write through when the segment is writable; NULL for an index
 * out of range. */
enum roam_ring_dir { ROAM_RING_GUEST_TO_HOST = 0, ROAM_RING_HOST_TO_GUEST = 1 };

roam_peer_entry_t *roam_segment_peer(const void *base, const roam_segment_header_plain_t *snap,
                                     uint32_t index);
roam_bipbuf_header_t *roam_segment_ring(const void *base, const roam_segment_header_plain_t *snap,
                                        uint32_t index, enum roam_ring_dir dir);
roam_size_class_header_t *roam_segment_class(const void *base, const roam_segment_header_plain_t *snap,
                                             uint32_t index);

/* ---- Peer lifecycle (reference §2) -----------------------------------------
 * Each op is the generated compare-and-swap with the schema's orderings.
 * On ROAM_E_PEER_BUSY, *found (may be NULL) holds the state the entry had. */
roam_err_t roam_peer_attach(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out);
roam_err_t roam_peer_reserve(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out);
roam_err_t roam_peer_claim(roam_peer_entry_t *p, uint32_t *found);
roam_err_t roam_peer_release(roam_peer_entry_t *p, uint32_t *found);

/* The plain stores are inline: each is one generated accessor, and a call
 * would cost more than the store. */

/* State Goodbye (release). */
static inline void roam_peer_goodbye(roam_peer_entry_t *p)
{
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_GOODBYE);
}

/* last_heartbeat 0, then state Empty (both release): whoever sees Empty
 * (acquire) also sees no stale heartbeat from the previous guest. */
static inline void roam_peer_reset(roam_peer_entry_t *p)
{
    roam_peer_entry_store_last_heartbeat(p, 0);
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_EMPTY);
}

/* last_heartbeat = now_ns (release). */
static inline void roam_peer_heartbeat(roam_peer_entry_t *p, uint64_t now_ns)
{
    roam_peer_entry_store_last_heartbeat(p, now_ns);
}

/* ---- Framing (reference §6) ------------------------------------------------
 * Entries in a BipBuffer: an 8-byte header, then an inline payload, a slot
 * reference or an mmap reference. */

/* total_len of an inline entry: align4(8 + payload_len); 0 if that does not
 * fit in 32 bits. */
uint32_t roam_frame_inline_len(uint32_t payload_len);

typedef enum roam_frame_kind {
    ROAM_FRAME_INLINE,     /* the payload follows the entry header */
    ROAM_FRAME_SLOT_REF,   /* the payload goes in a var slot */
    ROAM_FRAME_MMAP_REF,   /* the payload goes in a separately mapped file */
    ROAM_FRAME_REFUSED,    /* payload_len > max_payload_size: not sent at all */
} roam_frame_kind_t;

/* How a payload of payload_len bytes is sent in the segment at base (snap
 * from roam_segment_validate), as roam's sender routes it: refused above
 * max_payload_size; inline when payload_len <= the effective inline
 * threshold (the payload length itself, not 8 + len), <= 65535 and its entry
 * fits the ring; else by slot reference into the first class in table order
 * whose slot_size >= payload_len + 4 (the length prefix), whose index goes
 * to *class_idx (may be NULL; written only for ROAM_FRAME_SLOT_REF); else by
 * mmap reference. */
roam_frame_kind_t roam_frame_route(const void *base, const roam_segment_header_plain_t *snap,
                                   uint32_t payload_len, uint32_t *class_idx);

/* Check the entry at the start of entry, of which avail bytes are readable;
 * reads nothing past avail and copies what it checks out first. Rules in
 * order: a whole header (ROAM_E_FRAME_TRUNCATED), valid flags
 * (ROAM_E_FRAME_FLAGS), 8 <= total_len <= avail and a multiple of
 * ROAM_FRAME_ALIGN (ROAM_E_FRAME_LEN), zero header reserved byte
 * (ROAM_E_FRAME_RESERVED), inline_payload_len within total_len - 8 for an
 * inline entry and 0 for a reference (ROAM_E_FRAME_INLINE_LEN; 0 in an
 * inline entry means "unknown", as roam's older writers leave it), then for
 * a reference its exact entry size (ROAM_E_FRAME_LEN) and zero reserved
 * field (ROAM_E_FRAME_RESERVED). *diag (may be NULL) gets a sentence naming
 * the value that failed. */
roam_err_t roam_frame_check(const void *entry, uint32_t avail, roam_diag_t *diag);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_SHM_H */
