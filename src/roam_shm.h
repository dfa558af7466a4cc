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

/* ---- Errors ---------------------------------------------------------------
 * One value per rule. Header rules come in the order roam_header_check()
 * applies them; the first four are roam's own, with roam's messages. */
typedef enum roam_err {
    ROAM_OK = 0,

    /* Header (roam_header_validate). */
    ROAM_E_TRUNCATED,          /* buffer shorter than the 128-byte header */
    ROAM_E_BAD_MAGIC,          /* "bad magic: not a roam v7 segment" */
    ROAM_E_VERSION,            /* "unsupported segment version" */
    ROAM_E_HEADER_SIZE,        /* "unexpected header_size" */
    ROAM_E_NO_CLASSES,         /* "segment missing var-slot classes" */
    ROAM_E_MAX_GUESTS,         /* max_guests > 255 */
    ROAM_E_CURRENT_SIZE,       /* current_size < total_size */
    ROAM_E_TOTAL_SIZE,         /* total_size < 128 */
    ROAM_E_RESERVED,           /* a reserved header byte is not zero */
    ROAM_E_PEER_TABLE_ALIGN,   /* peer_table_offset not a multiple of 64 */
    ROAM_E_VAR_POOL_ALIGN,     /* var_pool_offset not a multiple of 64 */
    ROAM_E_PEER_TABLE_BOUNDS,  /* peer table not inside current_size */
    ROAM_E_CLASS_TABLE_BOUNDS, /* class-header table not inside current_size */
    ROAM_E_MAPPING_SHORT,      /* mapped length < current_size */

    /* Whole segment (roam_segment_validate); the diag names the peer/class. */
    ROAM_E_CLASS_SLOT_SIZE,    /* class: slot_size is 0 */
    ROAM_E_CLASS_SLOT_COUNT,   /* class: slot_count is 0 */
    ROAM_E_CLASS_BOUNDS,       /* class: metadata or slot data past the segment */
    ROAM_E_CLASS_FREE_HEAD,    /* class: free_head names no slot of the class */
    ROAM_E_PEER_STATE,         /* peer: state is not one of the four values */
    ROAM_E_PEER_RING_OFFSET,   /* peer: ring_offset differs from the layout */
    ROAM_E_PEER_RING_BOUNDS,   /* peer: its rings do not fit in the segment */
    ROAM_E_RING_CAPACITY,      /* ring: capacity differs from bipbuf_capacity */
    ROAM_E_RING_INDEX,         /* ring: write, read or watermark > capacity */

    /* Layout and creation (roam_layout_compute, roam_segment_init). */
    ROAM_E_LAYOUT_MAX_GUESTS,  /* max_guests > 255 */
    ROAM_E_LAYOUT_CAPACITY,    /* bipbuf_capacity 0 or not a multiple of 64 */
    ROAM_E_LAYOUT_NO_CLASSES,  /* no size classes */
    ROAM_E_LAYOUT_TOO_MANY_CLASSES, /* more than ROAM_MAX_SIZE_CLASSES */
    ROAM_E_LAYOUT_SLOT_SIZE,   /* a class with slot_size 0 */
    ROAM_E_LAYOUT_SLOT_COUNT,  /* a class with slot_count 0 */
    ROAM_E_LAYOUT_OVERFLOW,    /* a size does not fit in 64 bits */
    ROAM_E_BUFFER_SMALL,       /* the buffer is shorter than total_size */

    /* Peer lifecycle. */
    ROAM_E_PEER_BUSY,          /* the entry was not in the state the op needs */
    ROAM_E_PEER_INDEX,         /* peer index >= max_guests */
    ROAM_E_PEER_FULL,          /* no Empty entry left to attach to */

    /* File-backed segments (roam_segment.h). */
    ROAM_E_NOT_READY,          /* magic still zero: the host is mid-creation */
    ROAM_E_TIMEOUT,            /* gave up waiting for a ready segment */
    ROAM_E_EXISTS,             /* create: the file already exists */
    ROAM_E_IO,                 /* a system call failed; the diag names it */
    ROAM_E_FILE_SHORT,         /* the file is shorter than the segment says */
    ROAM_E_GROW,               /* growth to a size that is not allowed */

    /* Whole segment and creation, added later (kept last so that the values
     * above do not move). */
    ROAM_E_RING_LAYOUT,        /* bipbuf_capacity 0 or not a multiple of 64 */
    ROAM_E_BUFFER_ALIGN,       /* buf is not aligned to ROAM_SEGMENT_ALIGN */

    /* Framing (roam_frame_check), added after the codes above. */
    ROAM_E_FRAME_TRUNCATED,    /* fewer readable bytes than an entry header */
    ROAM_E_FRAME_FLAGS,        /* unknown flag bit, or SLOT_REF and MMAP_REF both */
    ROAM_E_FRAME_LEN,          /* total_len too small, unaligned, past avail or wrong for its kind */
    ROAM_E_FRAME_RESERVED,     /* a reserved byte of the entry header or reference is not zero */

    /* Data path (roam_data.h, roam_port.h), added after the codes above. */
    ROAM_E_FRAME_INLINE_LEN,   /* inline_payload_len past the entry, or set in a reference entry */
    ROAM_E_RING_FULL,          /* backpressure: no contiguous room in the ring; retry later */
    ROAM_E_POOL_EXHAUSTED,     /* backpressure: no free slot that fits; retry later */
    ROAM_E_EMPTY,              /* nothing to read */
    ROAM_E_TOO_LARGE,          /* payload above max_payload_size, or larger than the ring */
    ROAM_E_SLOT_STALE,         /* slot not allocated at that generation: double free or stale reference */
    ROAM_E_SLOT_REF,           /* slot reference names no slot of the pool */
    ROAM_E_SLOT_LEN,           /* slot length prefix above slot_size - 4 */
    ROAM_E_MMAP_REF,           /* the payload needs an mmap reference, which this library does not map */
    ROAM_E_PEER_GONE,          /* the other side died, was recovered or said goodbye */
    ROAM_E_INVALID,            /* bad argument, or a call out of order */

    ROAM_E__COUNT
} roam_err_t;

/* Fixed text for an error code; never NULL. */
const char *roam_strerror(roam_err_t err);

/* Name of the error code ("ROAM_E_BAD_MAGIC"); never NULL. */
const char *roam_errname(roam_err_t err);

/* Where a whole-segment rule failed, and a message that says so. */
typedef struct roam_diag {
    roam_err_t err;
    uint32_t index;   /* peer index or class index, when the rule has one */
    char msg[192];    /* roam_strerror(err), or a sentence naming the entry */
} roam_diag_t;

/* ---- Header validation ----------------------------------------------------
 * Shared memory may change while it is read: these functions copy the
 * header out of `buf` exactly once into *snap and check only the copy. */

/* Copy the 128-byte header from buf into *snap; ROAM_E_TRUNCATED if len < 128. */
roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_t *snap);

/* Check the header rules on a snapshot, in the documented order. */
roam_err_t roam_header_check(const roam_segment_header_t *snap);

/* ROAM_E_MAPPING_SHORT unless mapped_len >= the snapshot's current_size. */
roam_err_t roam_header_check_mapping(const roam_segment_header_t *snap, uint64_t mapped_len);

/* Snapshot + header rules; with ROAM_VALIDATE_MAPPING also requires
 * len >= current_size (pass it when buf is the whole mapped segment). */
#define ROAM_VALIDATE_MAPPING 1u
roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_t *snap);

/* ---- Layout ---------------------------------------------------------------
 * Where everything goes for a configuration (reference §5). */
typedef struct roam_size_class {
    uint32_t slot_size;
    uint32_t slot_count;
} roam_size_class_t;

typedef struct roam_segment_config {
    uint32_t max_guests;
    uint32_t bipbuf_capacity;
    uint32_t max_payload_size;
    uint32_t inline_threshold;     /* 0 = ROAM_DEFAULT_INLINE_THRESHOLD */
    uint64_t heartbeat_interval;   /* ns, 0 = off */
    uint32_t num_classes;
    const roam_size_class_t *classes;
} roam_segment_config_t;

typedef struct roam_class_layout {
    uint64_t header_offset;   /* absolute offset of the size-class header */
    uint64_t meta_offset;     /* absolute offset of its var_slot_meta array */
    uint64_t data_offset;     /* absolute offset of its slot data */
    uint64_t meta_size;       /* align64(16 * slot_count) */
    uint64_t data_size;       /* align64(slot_size * slot_count) */
} roam_class_layout_t;

typedef struct roam_layout {
    uint64_t peer_table_offset;
    uint64_t ring_base;
    uint64_t ring_stride;      /* 2 * (128 + bipbuf_capacity) */
    uint64_t var_pool_offset;
    uint64_t pool_size;
    uint64_t total_size;
    uint32_t num_classes;
    roam_class_layout_t classes[ROAM_MAX_SIZE_CLASSES];
} roam_layout_t;

roam_err_t roam_layout_compute(const roam_segment_config_t *cfg, roam_layout_t *out);

/* ---- Creation -------------------------------------------------------------*/
typedef struct roam_header_params {
    uint64_t total_size;
    uint32_t max_payload_size;
    uint32_t inline_threshold;
    uint32_t max_guests;
    uint32_t bipbuf_capacity;
    uint64_t peer_table_offset;
    uint64_t var_pool_offset;
    uint64_t heartbeat_interval;
    uint32_t num_var_slot_classes;
} roam_header_params_t;

/* Fill a zeroed header as roam's own init does; current_size = total_size,
 * host_goodbye = 0, reserved zero, magic written last (release fence). */
void roam_header_init(roam_segment_header_t *h, const roam_header_params_t *p);

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
roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_t *snap,
                                 roam_diag_t *diag);

/* ---- Navigation (offsets from a validated snapshot) ----------------------
 * Like strchr, these take the segment as const and return pointers the
 * caller may write through when the segment is writable; NULL for an index
 * out of range. */
enum roam_ring_dir { ROAM_RING_GUEST_TO_HOST = 0, ROAM_RING_HOST_TO_GUEST = 1 };

roam_peer_entry_t *roam_segment_peer(const void *base, const roam_segment_header_t *snap,
                                     uint32_t index);
roam_bipbuf_header_t *roam_segment_ring(const void *base, const roam_segment_header_t *snap,
                                        uint32_t index, enum roam_ring_dir dir);
roam_size_class_header_t *roam_segment_class(const void *base, const roam_segment_header_t *snap,
                                             uint32_t index);

/* ---- Peer lifecycle (reference §2) -----------------------------------------
 * Each op is the generated compare-and-swap with the schema's orderings.
 * On ROAM_E_PEER_BUSY, *found (may be NULL) holds the state the entry had. */
roam_err_t roam_peer_attach(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out);
roam_err_t roam_peer_reserve(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out);
roam_err_t roam_peer_claim(roam_peer_entry_t *p, uint32_t *found);
roam_err_t roam_peer_release(roam_peer_entry_t *p, uint32_t *found);
void roam_peer_goodbye(roam_peer_entry_t *p);
void roam_peer_reset(roam_peer_entry_t *p);
void roam_peer_heartbeat(roam_peer_entry_t *p, uint64_t now_ns);

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
roam_frame_kind_t roam_frame_route(const void *base, const roam_segment_header_t *snap,
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

#endif /* ROAM_SHM_H */
