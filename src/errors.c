/*
 * Error codes: their names and fixed messages.
 */
#include "roam_shm.h"

typedef struct roam__err_text {
    const char *name;
    const char *msg;
} roam__err_text_t;

/* One entry per code; the first four header messages are roam's own. */
static const roam__err_text_t roam__err_texts[ROAM_E__COUNT] = {
    [ROAM_OK] = {"ROAM_OK", "success"},

    [ROAM_E_TRUNCATED] = {"ROAM_E_TRUNCATED", "buffer is shorter than the 128-byte segment header"},
    [ROAM_E_BAD_MAGIC] = {"ROAM_E_BAD_MAGIC", "bad magic: not a roam v7 segment"},
    [ROAM_E_VERSION] = {"ROAM_E_VERSION", "unsupported segment version"},
    [ROAM_E_HEADER_SIZE] = {"ROAM_E_HEADER_SIZE", "unexpected header_size"},
    [ROAM_E_NO_CLASSES] = {"ROAM_E_NO_CLASSES", "segment missing var-slot classes"},
    [ROAM_E_MAX_GUESTS] = {"ROAM_E_MAX_GUESTS", "max_guests exceeds 255"},
    [ROAM_E_CURRENT_SIZE] = {"ROAM_E_CURRENT_SIZE", "current_size is below total_size"},
    [ROAM_E_TOTAL_SIZE] = {"ROAM_E_TOTAL_SIZE", "total_size is smaller than the 128-byte header"},
    [ROAM_E_RESERVED] = {"ROAM_E_RESERVED", "reserved header bytes are not zero"},
    [ROAM_E_PEER_TABLE_ALIGN] = {"ROAM_E_PEER_TABLE_ALIGN", "peer_table_offset is not a multiple of 64"},
    [ROAM_E_VAR_POOL_ALIGN] = {"ROAM_E_VAR_POOL_ALIGN", "var_pool_offset is not a multiple of 64"},
    [ROAM_E_PEER_TABLE_BOUNDS] = {"ROAM_E_PEER_TABLE_BOUNDS",
                                  "peer table overlaps the header or ends past current_size"},
    [ROAM_E_CLASS_TABLE_BOUNDS] = {"ROAM_E_CLASS_TABLE_BOUNDS",
                                   "size-class table overlaps the peer table or ends past current_size"},
    [ROAM_E_MAPPING_SHORT] = {"ROAM_E_MAPPING_SHORT", "mapping is shorter than current_size"},

    [ROAM_E_CLASS_SLOT_SIZE] = {"ROAM_E_CLASS_SLOT_SIZE", "size class has slot_size 0"},
    [ROAM_E_CLASS_SLOT_COUNT] = {"ROAM_E_CLASS_SLOT_COUNT", "size class has slot_count 0"},
    [ROAM_E_CLASS_BOUNDS] = {"ROAM_E_CLASS_BOUNDS", "size-class metadata or slot data ends past current_size"},
    [ROAM_E_CLASS_FREE_HEAD] = {"ROAM_E_CLASS_FREE_HEAD", "size-class free_head names no slot of the class"},
    [ROAM_E_PEER_STATE] = {"ROAM_E_PEER_STATE", "peer state is not a known value"},
    [ROAM_E_PEER_RING_OFFSET] = {"ROAM_E_PEER_RING_OFFSET", "peer ring_offset differs from the layout"},
    [ROAM_E_PEER_RING_BOUNDS] = {"ROAM_E_PEER_RING_BOUNDS", "peer rings do not fit before the var-slot pool"},
    [ROAM_E_RING_CAPACITY] = {"ROAM_E_RING_CAPACITY", "ring capacity differs from bipbuf_capacity"},
    [ROAM_E_RING_INDEX] = {"ROAM_E_RING_INDEX", "ring write, read or watermark beyond capacity"},

    [ROAM_E_LAYOUT_MAX_GUESTS] = {"ROAM_E_LAYOUT_MAX_GUESTS", "max_guests exceeds 255"},
    [ROAM_E_LAYOUT_CAPACITY] = {"ROAM_E_LAYOUT_CAPACITY",
                                "bipbuf_capacity must be a non-zero multiple of 64"},
    [ROAM_E_LAYOUT_NO_CLASSES] = {"ROAM_E_LAYOUT_NO_CLASSES", "no size classes given"},
    [ROAM_E_LAYOUT_TOO_MANY_CLASSES] = {"ROAM_E_LAYOUT_TOO_MANY_CLASSES", "more than 256 size classes"},
    [ROAM_E_LAYOUT_SLOT_SIZE] = {"ROAM_E_LAYOUT_SLOT_SIZE", "a size class has slot_size 0"},
    [ROAM_E_LAYOUT_SLOT_COUNT] = {"ROAM_E_LAYOUT_SLOT_COUNT", "a size class has slot_count 0"},
    [ROAM_E_LAYOUT_OVERFLOW] = {"ROAM_E_LAYOUT_OVERFLOW", "segment size does not fit in 64 bits"},
    [ROAM_E_BUFFER_SMALL] = {"ROAM_E_BUFFER_SMALL", "buffer is shorter than the segment's total_size"},

    [ROAM_E_PEER_BUSY] = {"ROAM_E_PEER_BUSY", "peer entry is not in the state the operation needs"},
    [ROAM_E_PEER_INDEX] = {"ROAM_E_PEER_INDEX", "peer index is not below max_guests"},
    [ROAM_E_PEER_FULL] = {"ROAM_E_PEER_FULL", "no empty peer entry left"},

    [ROAM_E_NOT_READY] = {"ROAM_E_NOT_READY", "segment is still being created (no magic yet)"},
    [ROAM_E_TIMEOUT] = {"ROAM_E_TIMEOUT", "timed out waiting for the segment to become ready"},
    [ROAM_E_EXISTS] = {"ROAM_E_EXISTS", "segment file already exists"},
    [ROAM_E_IO] = {"ROAM_E_IO", "system call failed"},
    [ROAM_E_FILE_SHORT] = {"ROAM_E_FILE_SHORT", "segment file is shorter than the segment says"},
    [ROAM_E_GROW] = {"ROAM_E_GROW", "segment cannot grow to that size"},

    [ROAM_E_RING_LAYOUT] = {"ROAM_E_RING_LAYOUT",
                            "bipbuf_capacity is not a non-zero multiple of 64: rings cannot be laid out"},
    [ROAM_E_BUFFER_ALIGN] = {"ROAM_E_BUFFER_ALIGN", "buffer is not aligned to 64 bytes"},

    [ROAM_E_FRAME_TRUNCATED] = {"ROAM_E_FRAME_TRUNCATED", "fewer bytes than a frame's 8-byte entry header"},
    [ROAM_E_FRAME_FLAGS] = {"ROAM_E_FRAME_FLAGS",
                            "frame flags set an unknown bit or both SLOT_REF and MMAP_REF"},
    [ROAM_E_FRAME_LEN] = {"ROAM_E_FRAME_LEN",
                          "frame total_len is too small, unaligned, past the readable bytes or wrong for its kind"},
    [ROAM_E_FRAME_RESERVED] = {"ROAM_E_FRAME_RESERVED", "reserved frame bytes are not zero"},

    [ROAM_E_FRAME_INLINE_LEN] = {"ROAM_E_FRAME_INLINE_LEN",
                                 "frame inline_payload_len runs past the entry or is set in a reference entry"},
    [ROAM_E_RING_FULL] = {"ROAM_E_RING_FULL", "ring has no room for the entry yet (backpressure: retry)"},
    [ROAM_E_POOL_EXHAUSTED] = {"ROAM_E_POOL_EXHAUSTED",
                               "no free var slot fits the payload yet (backpressure: retry)"},
    [ROAM_E_EMPTY] = {"ROAM_E_EMPTY", "nothing to read"},
    [ROAM_E_TOO_LARGE] = {"ROAM_E_TOO_LARGE", "payload is larger than max_payload_size or the ring"},
    [ROAM_E_SLOT_STALE] = {"ROAM_E_SLOT_STALE",
                           "slot is not allocated at that generation (double free or stale reference)"},
    [ROAM_E_SLOT_REF] = {"ROAM_E_SLOT_REF", "slot reference names no slot of the pool"},
    [ROAM_E_SLOT_LEN] = {"ROAM_E_SLOT_LEN", "slot length prefix is larger than the slot can hold"},
    [ROAM_E_MMAP_REF] = {"ROAM_E_MMAP_REF", "payload needs an mmap reference, which this library does not map"},
    [ROAM_E_PEER_GONE] = {"ROAM_E_PEER_GONE", "the other side died, was recovered or said goodbye"},
    [ROAM_E_INVALID] = {"ROAM_E_INVALID", "invalid argument or call out of order"},
};

/* The entry for err, or NULL for a value outside the enum. */
static const roam__err_text_t *roam__err_text(roam_err_t err)
{
    unsigned i = (unsigned)err;

    if (i >= (unsigned)ROAM_E__COUNT || roam__err_texts[i].name == NULL)
        return NULL;
    return &roam__err_texts[i];
}

const char *roam_strerror(roam_err_t err)
{
    const roam__err_text_t *t = roam__err_text(err);

    return t != NULL ? t->msg : "unknown error";
}

const char *roam_errname(roam_err_t err)
{
    const roam__err_text_t *t = roam__err_text(err);

    return t != NULL ? t->name : "ROAM_E_UNKNOWN";
}
