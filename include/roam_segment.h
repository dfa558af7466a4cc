/*
 * roam-shm: live file-backed segments shared by real processes.
 *
 * One host creates the segment file and may grow it; up to max_guests
 * guest processes attach to it, each owning one peer-table entry. Every
 * function that can fail returns a roam_err_t and, when diag is not NULL,
 * fills *diag with the code and a sentence naming the step that failed
 * (with strerror(errno) for a failed system call). On ROAM_E_IO, errno
 * still holds the failed call's error number (ENOENT for a missing file).
 *
 * Memory is reached only through seg->base: growth may move the mapping,
 * so a pointer into the segment is valid until the next roam_segment_grow()
 * or roam_segment_refresh() on the same handle. A handle is used by one
 * thread at a time.
 *
 * Another process that truncates the file makes accesses to the lost pages
 * raise SIGBUS; roam_sigbus.h turns that into ROAM_E_SIGBUS (opt-in), and
 * roam_segment_create_memfd makes a segment nobody can shrink.
 */
#ifndef ROAM_SEGMENT_H
#define ROAM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roam_shm.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Everything declared here is the library's exported API; the rest of the
 * library is built hidden (-fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* No peer entry held by this handle. */
#define ROAM_NO_PEER UINT32_MAX

/* One process's view of a live segment. */
typedef struct roam_segment {
    int fd;                      /* the segment file, O_RDWR */
    void *base;                  /* MAP_SHARED mapping of map_len bytes */
    size_t map_len;              /* bytes mapped: the current_size last seen */
    roam_segment_header_plain_t snap;  /* private copy of the header, validated */
    roam_layout_t layout;        /* where everything is: from snap and the class headers */
    bool is_host;                /* made by roam_segment_create */

    /* Guest side: the entry this process holds and the epoch it got. */
    uint32_t peer_index;         /* ROAM_NO_PEER when none */
    uint32_t peer_epoch;
    /* The first 8 bytes of the entry while this guest holds it: state
     * Attached and peer_epoch, as one word (what roam_guest_heartbeat
     * compares the entry with; set with peer_epoch). */
    uint64_t peer_mine;
    /* Entry peer_index in the mapping at base (moved with it on a remap);
     * when the handle holds none, an entry of the library's own that is
     * never Attached and never written. Set by create, attach and close. */
    roam_peer_entry_t *peer;

    /* Host side: when each entry was first seen Attached without a
     * heartbeat (last_heartbeat 0), and at which epoch; see
     * roam_host_peer_dead(). 0 = not watching. */
    uint64_t quiet_since[ROAM_MAX_GUESTS];
    uint32_t quiet_epoch[ROAM_MAX_GUESTS];
} roam_segment_t;

/* ---- Files ----------------------------------------------------------------*/

/* The permission bits of a new segment file unless asked otherwise:
 * owner read and write only. */
#define ROAM_FILE_MODE_DEFAULT 0600u

/* roam_segment_create_ex flags. */
#define ROAM_CREATE_REPLACE_STALE 1u /* replace an existing file no live host holds */
#define ROAM_CREATE_SYNC 2u          /* fsync the file before it appears at path */

typedef struct roam_create_opts {
    unsigned flags;   /* ROAM_CREATE_* */
    uint32_t mode;    /* permission bits, applied exactly (the umask does not
                       * change them); within 0777, including 0600;
                       * 0 = ROAM_FILE_MODE_DEFAULT */
} roam_create_opts_t;

/* Host: check the configuration (roam_config_check), build the segment in
 * a temporary file beside path (".NAME.roam-tmp.XXXXXX": sized to the
 * layout's total_size, mapped, laid out, magic last) and rename it to path
 * once complete, so path never names a half-made segment. The handle holds
 * the host lock (an open-file-description write lock on the whole file)
 * until roam_segment_close. On any failure the temporary is removed and
 * path is untouched. opts may be NULL (mode 0600, no flags).
 * ROAM_E_EXISTS if path exists (the message says whether a live host holds
 * it); with ROAM_CREATE_REPLACE_STALE an existing regular file that no
 * live host holds is replaced in one rename (shm.file.cleanup), and one a
 * live host holds is ROAM_E_HOST_LIVE. Temporaries of path left by a
 * create that was killed (unlocked, untouched for 10 s) are removed. */
roam_err_t roam_segment_create_ex(roam_segment_t *seg, const char *path,
                                  const roam_segment_config_t *cfg, const roam_create_opts_t *opts,
                                  roam_diag_t *diag);

/* roam_segment_create_ex with opts NULL. */
roam_err_t roam_segment_create(roam_segment_t *seg, const char *path,
                               const roam_segment_config_t *cfg, roam_diag_t *diag);

/* Host: the segment in an anonymous memory file (memfd_create) that nobody
 * can shrink (F_SEAL_SHRINK, and F_SEAL_SEAL so no guest adds a seal that
 * stops growth): a guest truncating it cannot make anyone fault. Guests
 * attach with roam_segment_attach_fd on seg->fd, passed to them (it is
 * close-on-exec: dup it for a child that execs, or send it over a socket). */
roam_err_t roam_segment_create_memfd(roam_segment_t *seg, const char *name,
                                     const roam_segment_config_t *cfg, roam_diag_t *diag);

/* Whether a live host holds the host lock of the file at path (asked
 * without taking the lock). */
roam_err_t roam_segment_host_alive(const char *path, bool *alive, roam_diag_t *diag);

/* Guest: open an existing segment, check its header on a snapshot (read
 * with pread), map current_size bytes and validate the whole segment.
 * ROAM_E_NOT_REGULAR for a FIFO, device, socket; ROAM_E_NOT_READY while a
 * live host is still creating it (empty file or zero magic);
 * ROAM_E_STALE when such a file has no live host (nobody holds the lock). */
roam_err_t roam_segment_attach(roam_segment_t *seg, const char *path, roam_diag_t *diag);

/* roam_segment_attach on a descriptor (duplicated: the caller keeps fd). */
roam_err_t roam_segment_attach_fd(roam_segment_t *seg, int fd, roam_diag_t *diag);

/* roam_segment_attach, retried with backoff (1 ms doubling to 50 ms) while
 * the file is missing or not ready; ROAM_E_TIMEOUT after timeout_ms. A
 * stale file is retried for at most 1 s (a host that takes no lock, such as
 * roam's own, may be creating it in place), then ROAM_E_STALE. */
roam_err_t roam_segment_attach_timeout(roam_segment_t *seg, const char *path,
                                       uint32_t timeout_ms, roam_diag_t *diag);

/* Unmap and close (a host's lock goes with it). A guest still holding a
 * peer entry says goodbye first, if the file still covers the entry.
 * Safe on a handle that failed to open or was closed already. */
void roam_segment_close(roam_segment_t *seg);

/* Remove the segment file; processes that mapped it keep their mapping. */
roam_err_t roam_segment_unlink(const char *path, roam_diag_t *diag);

/* The live header in shared memory: read it with the generated accessors. */
roam_segment_header_t *roam_segment_header(const roam_segment_t *seg);

/* ---- Growth -----------------------------------------------------------------*/

/* Host: extend the file to new_size bytes (map_len < new_size, else
 * ROAM_E_GROW; new_size <= ROAM_SEGMENT_MAX_SIZE, the schema's limit, else
 * ROAM_E_SEGMENT_TOO_LARGE), remap, then publish new_size in current_size
 * (release). The new bytes read as zero. Only sizes this process owns are
 * acted on: current_size in the segment is published, never read (any
 * guest can write there). */
roam_err_t roam_segment_grow(roam_segment_t *seg, uint64_t new_size, roam_diag_t *diag);

/* Guest: follow the host's growth. Checks the file still covers the
 * mapping, loads current_size (acquire) and, when it exceeds the mapping
 * and the file covers it, remaps. ROAM_E_FILE_SHORT when the file is
 * shorter than the mapping or than current_size: nothing past the end of
 * the file is ever mapped or touched. A host's handle has nothing to
 * follow: it owns the size. */
roam_err_t roam_segment_refresh(roam_segment_t *seg, roam_diag_t *diag);

/* ---- Clock ------------------------------------------------------------------*/

/* CLOCK_MONOTONIC in nanoseconds: the clock of last_heartbeat, shared by
 * every process on the machine. */
uint64_t roam_clock_now_ns(void);

/* ---- Peers: host side -------------------------------------------------------*/

/* Reserve the first Empty entry for a guest about to be spawned; *index
 * and *epoch (either may be NULL) receive it. ROAM_E_PEER_FULL if none. */
roam_err_t roam_host_reserve(roam_segment_t *seg, uint32_t *index, uint32_t *epoch,
                             roam_diag_t *diag);

/* Give back a reservation whose guest never came. */
roam_err_t roam_host_release(roam_segment_t *seg, uint32_t index, roam_diag_t *diag);

/* True when interval != 0 and now - last > 2 * interval: the heartbeat
 * rule on plain numbers. A last heartbeat after now is never expired. */
bool roam_heartbeat_expired(uint64_t interval_ns, uint64_t last_ns, uint64_t now_ns);

/* Whether the Attached entry `index` belongs to a dead guest at now_ns.
 * A guest that has not beaten yet (last_heartbeat 0) is timed from the
 * first call that saw it so. False when heartbeats are off, when the entry
 * is not Attached, or when index is out of range. */
bool roam_host_peer_dead(roam_segment_t *seg, uint32_t index, uint64_t now_ns);

/* Make entry `index` reusable: state Goodbye, both ring headers back to
 * write = watermark = read = 0 (capacity kept), then last_heartbeat 0 and
 * state Empty. Only for an entry no live guest uses: one that said
 * goodbye, or whose guest is dead. */
roam_err_t roam_host_recover(roam_segment_t *seg, uint32_t index, roam_diag_t *diag);

/* What one roam_host_sweep() did. */
typedef struct roam_sweep {
    uint32_t dead;      /* Attached entries whose guest was dead: recovered */
    uint32_t departed;  /* entries in Goodbye: recovered */
} roam_sweep_t;

/* One pass over the peer table at now_ns: recover every entry in Goodbye
 * and every Attached entry whose guest is dead. *out may be NULL. */
void roam_host_sweep(roam_segment_t *seg, uint64_t now_ns, roam_sweep_t *out);

/* Orderly shutdown: store host_goodbye = 1 (release). Guests see it with
 * roam_segment_host_gone() and detach. */
void roam_host_goodbye(roam_segment_t *seg);

/* ---- Peers: guest side ------------------------------------------------------*/

/* Take entry `index` that the host reserved for this process. On
 * ROAM_E_PEER_BUSY *found (may be NULL) holds the state it had. */
roam_err_t roam_guest_claim(roam_segment_t *seg, uint32_t index, uint32_t *found,
                            roam_diag_t *diag);

/* Take the first Empty entry; *index (may be NULL) receives it.
 * ROAM_E_PEER_FULL when every entry is taken. */
roam_err_t roam_guest_attach(roam_segment_t *seg, uint32_t *index, roam_diag_t *diag);

/* Store now in this guest's last_heartbeat. ROAM_E_PEER_BUSY if the entry
 * is no longer this guest's: the host declared it dead. The entry is checked
 * before the store (no store then) and again after it: a 64-bit time cannot
 * be written together with state and epoch, so if the host recovered the
 * entry in between, that one timestamp may have landed in the next owner's
 * entry (never its state or epoch), and the call says the entry is lost. */
static inline roam_err_t roam_guest_heartbeat(roam_segment_t *seg, uint64_t now_ns,
                                              roam_diag_t *diag);

/* Orderly detach: state Goodbye; the host recovers the entry later. */
roam_err_t roam_guest_detach(roam_segment_t *seg, roam_diag_t *diag);

/* True once the host has stored host_goodbye (acquire load). */
static inline bool roam_segment_host_gone(const roam_segment_t *seg);

/* The peer entry `index` of a mapped segment, or NULL if out of range. */
roam_peer_entry_t *roam_segment_peer_at(const roam_segment_t *seg, uint32_t index);

/* ---- Inline fast paths ---------------------------------------------------------
 * What a live guest calls all the time is static inline over the generated
 * accessors (as liburing does), so that success costs a few instructions
 * and no call; whatever is not success goes to an out-of-line roam__
 * function, which says what failed. The roam__ names are not API. */

/* Entry `index` of seg's mapping, index < max_guests: where the layout
 * validated with the private snapshot puts it, never from the segment. */
static inline roam_peer_entry_t *roam__seg_peer(const roam_segment_t *seg, uint32_t index)
{
    return roam_layout_peer_table(&seg->layout, seg->base, index);
}

/* The entry this guest holds, or NULL when it holds none. peer_index was
 * checked against max_guests when the entry was taken; ROAM_NO_PEER is
 * above any max_guests, so one comparison covers both. */
static inline roam_peer_entry_t *roam__guest_peer(const roam_segment_t *seg)
{
    if (seg->peer_index >= roam_segment_header_plain_max_guests(&seg->snap))
        return NULL;
    return roam__seg_peer(seg, seg->peer_index);
}

/* The out-of-line half of the inline guest operations (exported so that
 * they work against the shared library; not for direct use): the guest's
 * entry is not (or no longer) its own; `state` is the state it was seen in.
 * Fills *diag, lets go of the entry; returns ROAM_E_PEER_BUSY. */
__attribute__((cold)) roam_err_t roam_guest_lost(roam_segment_t *seg, uint32_t state,
                                                const char *op, roam_diag_t *diag);

/* The out-of-line half of roam_guest_heartbeat (exported, not for direct
 * use): the entry is not (or no longer) this guest's. stored_ns is the time
 * the call stored before it found so (0: none stored); it is taken back out
 * of the entry if nobody wrote over it (compare-and-swap to 0, "never
 * beat", from which the host times the next owner anew). Then as
 * roam_guest_lost. */
__attribute__((cold)) roam_err_t roam_guest_heartbeat_lost(roam_segment_t *seg,
                                                          uint64_t stored_ns, roam_diag_t *diag);

/* State and epoch of an entry as one 64-bit word: adjacent 32-bit atomics
 * at offsets 0 and 4 of an 8-byte-aligned entry (asserted in peer.c), read
 * together with one acquire load. The layout and roam's view of it are
 * unchanged. */
typedef uint64_t roam__peer_pair_t __attribute__((may_alias, aligned(8)));

static inline uint64_t roam__peer_pair(uint32_t state, uint32_t epoch)
{
    const uint32_t both[2] = {state, epoch};
    uint64_t w;

    __builtin_memcpy(&w, both, sizeof w);
    return w;
}

static inline uint64_t roam__peer_pair_load(const roam_peer_entry_t *p)
{
    return __atomic_load_n((const roam__peer_pair_t *)(const void *)p, __ATOMIC_ACQUIRE);
}

static inline roam_err_t roam_guest_heartbeat(roam_segment_t *seg, uint64_t now_ns,
                                              roam_diag_t *diag)
{
    /* The entry held, found when it was taken; a handle that holds none
     * points at an entry that is never Attached, so that the one test
     * below covers both. */
    roam_peer_entry_t *p = seg->peer;
    /* Attached at this guest's epoch, as one word, made when the entry
     * was taken: one load here instead of building it on every beat. */
    const uint64_t mine = seg->peer_mine;
    uint64_t stored_ns = 0;

    /* Still this guest's: Attached, at the epoch it attached with. Not
     * redundant with the check after the store: without it a guest whose
     * entry was recovered long ago would store into the next owner's entry
     * on every call, and taking the time back out leaves 0 ("never beat"),
     * not the next owner's own time. */
    if (__builtin_expect(roam__peer_pair_load(p) == mine, 1)) {
        roam_peer_heartbeat(p, now_ns);
        /* Still this guest's after the store: else the host recovered the
         * entry in between, and the time stored is taken back out of it. */
        if (__builtin_expect(roam__peer_pair_load(p) == mine, 1))
            return roam__diag_ok(diag);
        stored_ns = now_ns;
    }
    return roam_guest_heartbeat_lost(seg, stored_ns, diag);
}

static inline bool roam_segment_host_gone(const roam_segment_t *seg)
{
    return roam_segment_header_load_host_goodbye((const roam_segment_header_t *)seg->base) != 0;
}
#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_SEGMENT_H */
