/*
 * BipBuffer rings (reference §7, shm.bipbuf.*): grant, commit, read and
 * release, with the orderings the schema gives each index (acquire loads,
 * release stores, through the generated accessors).
 *
 * Each index loaded from the header is checked against the private
 * capacity before it is used: a peer that scribbles on the header gets
 * ROAM_E_RING_INDEX, never an access outside the data area.
 */
#include "data_internal.h"

roam_err_t roam_ring_open(roam_ring_t *r, const void *base, const roam_segment_header_plain_t *snap,
                          uint32_t index, enum roam_ring_dir dir)
{
    roam_bipbuf_header_t *h = roam_segment_ring(base, snap, index, dir);

    if (h == NULL)
        return ROAM_E_PEER_INDEX;
    roam_ring_attach(r, h, roam_segment_header_plain_bipbuf_capacity(snap));
    return ROAM_OK;
}

void roam_ring_attach(roam_ring_t *r, void *hdr, uint32_t capacity)
{
    r->hdr = hdr;
    r->data = (unsigned char *)hdr + ROAM_BIPBUF_HEADER_SIZE;
    r->capacity = capacity;
    r->wraps = 0;
}

/* ---- Producer ----------------------------------------------------------------*/

roam_err_t roam_ring_grant(roam_ring_t *r, uint32_t n, uint32_t *off)
{
    uint32_t cap = r->capacity;
    uint32_t write, read;

    if (n == 0) {
        *off = 0;
        return ROAM_OK;
    }
    if (n > cap)
        return ROAM_E_TOO_LARGE;
    /* write is ours; read is the consumer's frontier (acquire: what it
     * released is free to overwrite). */
    write = roam_bipbuf_header_load_write(r->hdr);
    read = roam_bipbuf_header_load_read(r->hdr);
    if (write > cap || read > cap)
        return ROAM_E_RING_INDEX;

    if (write < read) {
        /* Wrapped earlier: room is [write, read), one byte kept apart. */
        if ((uint64_t)write + n < read) {
            *off = write;
            return ROAM_OK;
        }
        return ROAM_E_RING_FULL;
    }

    /* Room at the end? */
    if (cap - write >= n) {
        *off = write;
        return ROAM_OK;
    }
    /* Wrapping needs the consumer past 0, else write = 0 would meet it. */
    if (read == 0)
        return ROAM_E_RING_FULL;

    /* Wrap: watermark first, then write (both release), so a consumer that
     * sees write at the front also sees where the tail ends. The wrap
     * stays even when the front is too short (roam's producer): the
     * consumer drains the tail, resets, and the next grant fits. */
    roam_bipbuf_header_store_watermark(r->hdr, write);
    roam_bipbuf_header_store_write(r->hdr, 0);
    r->wraps++;
    if (n < read) {
        *off = 0;
        return ROAM_OK;
    }
    return ROAM_E_RING_FULL;
}

bool roam_ring_can_grant(const roam_ring_t *r, uint32_t n)
{
    uint32_t write, read;

    if (n == 0)
        return true;
    if (n > r->capacity)
        return false;
    write = roam_bipbuf_header_load_write(r->hdr);
    read = roam_bipbuf_header_load_read(r->hdr);
    if (write > r->capacity || read > r->capacity)
        return false;
    return roam__ring_fits(r->capacity, write, read, n);
}

roam_err_t roam_ring_commit(roam_ring_t *r, uint32_t n)
{
    uint32_t write = roam_bipbuf_header_load_write(r->hdr);

    if (write > r->capacity || n > r->capacity - write)
        return ROAM_E_RING_INDEX;
    /* Release: the entry's bytes are visible before the new write is. */
    roam_bipbuf_header_store_write(r->hdr, write + n);
    return ROAM_OK;
}

/* ---- Consumer ----------------------------------------------------------------*/

/* Reset a consumed tail: read first, then watermark (both release), so the
 * producer never sees read at 0 with a wrap that is over. */
static void roam__ring_unwrap(roam_ring_t *r)
{
    roam_bipbuf_header_store_read(r->hdr, 0);
    roam_bipbuf_header_store_watermark(r->hdr, 0);
}

roam_err_t roam_ring_read(roam_ring_t *r, uint32_t *off, uint32_t *len)
{
    uint32_t cap = r->capacity;

    /* At most one reset, then the front is read (or found empty). */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t read = roam_bipbuf_header_load_read(r->hdr);
        /* write before watermark: a producer stores watermark then write,
         * so seeing its write at the front means seeing its watermark. */
        uint32_t write = roam_bipbuf_header_load_write(r->hdr);
        uint32_t mark = roam_bipbuf_header_load_watermark(r->hdr);

        if (read > cap || write > cap || mark > cap)
            return ROAM_E_RING_INDEX;

        if (mark != 0) {
            /* The tail before the wrap comes first. */
            if (read < mark) {
                *off = read;
                *len = mark - read;
                return ROAM_OK;
            }
            /* Tail consumed. Only a write that really moved below the
             * watermark is a wrap; write at or past it is a producer that
             * is undoing (or about to clear) a failed wrap. */
            if (write < mark) {
                roam__ring_unwrap(r);
                continue;
            }
        }
        if (read < write) {
            *off = read;
            *len = write - read;
            return ROAM_OK;
        }
        return ROAM_E_EMPTY;
    }
    return ROAM_E_EMPTY;
}

roam_err_t roam_ring_release(roam_ring_t *r, uint32_t n)
{
    uint32_t read = roam_bipbuf_header_load_read(r->hdr);
    uint32_t mark;

    if (read > r->capacity || n > r->capacity - read)
        return ROAM_E_RING_INDEX;
    read += n;

    /* Reaching the watermark of a real wrap: back to the front. */
    mark = roam_bipbuf_header_load_watermark(r->hdr);
    if (mark != 0 && read >= mark && roam_bipbuf_header_load_write(r->hdr) < mark) {
        roam__ring_unwrap(r);
        return ROAM_OK;
    }
    /* Release: the producer may reuse what we read only after this store. */
    roam_bipbuf_header_store_read(r->hdr, read);
    return ROAM_OK;
}

roam_err_t roam_ring_peek(const roam_ring_t *r, roam_ring_view_t *v)
{
    uint32_t cap = r->capacity;

    v->read = roam_bipbuf_header_load_read(r->hdr);
    v->write = roam_bipbuf_header_load_write(r->hdr);
    v->watermark = roam_bipbuf_header_load_watermark(r->hdr);
    v->parts = 0;
    if (v->read > cap || v->write > cap || v->watermark > cap)
        return ROAM_E_RING_INDEX;

    /* A real wrap: the tail [read, watermark), then the front [0, write). */
    if (v->watermark != 0 && v->write < v->watermark) {
        if (v->read < v->watermark) {
            v->part[v->parts].off = v->read;
            v->part[v->parts].len = v->watermark - v->read;
            v->parts++;
        }
        if (v->write > 0) {
            v->part[v->parts].off = 0;
            v->part[v->parts].len = v->write;
            v->parts++;
        }
        return ROAM_OK;
    }
    /* No wrap (or one being undone): [read, write). */
    if (v->read < v->write) {
        v->part[0].off = v->read;
        v->part[0].len = v->write - v->read;
        v->parts = 1;
    }
    return ROAM_OK;
}
