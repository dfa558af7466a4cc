/*
 * Peer-entry lifecycle (reference §2): each op is the generated
 * compare-and-swap, with the schema's memory orderings. The plain stores
 * (goodbye, reset, heartbeat) are inline in roam_shm.h.
 *
 * Attach, reserve and a guest's own detach change state and epoch together:
 * state (offset 0) and epoch (offset 4) are adjacent 32-bit atomics at the
 * start of an 8-byte-aligned entry, so one lock-free 64-bit compare-and-swap
 * covers both. Nothing in the layout changes: roam's peers still see two
 * 32-bit atomics, each with its own value. The pair word is read and
 * compared only with the schema's orderings for state (acquire loads,
 * acq_rel/acquire compare-and-swap).
 */
#include <stddef.h>
#include <string.h>

#include "roam_shm.h"

_Static_assert(offsetof(roam_peer_entry_t, state) == 0, "pair word: state first");
_Static_assert(offsetof(roam_peer_entry_t, epoch) == 4, "pair word: epoch next");
_Static_assert(_Alignof(roam_peer_entry_t) >= 8, "pair word: 8-byte aligned");

/* The first 8 bytes of an entry as one word; may alias the two fields. */
typedef uint64_t roam__pair_word_t __attribute__((may_alias, aligned(8)));

static roam__pair_word_t *roam__pair_at(roam_peer_entry_t *p)
{
    return (roam__pair_word_t *)(void *)p;
}

/* The word holding state and epoch, laid out as the struct lays them. */
static uint64_t roam__pair(uint32_t state, uint32_t epoch)
{
    const uint32_t both[2] = {state, epoch};
    uint64_t w;

    memcpy(&w, both, sizeof w);
    return w;
}

static void roam__unpair(uint64_t w, uint32_t *state, uint32_t *epoch)
{
    uint32_t both[2];

    memcpy(both, &w, sizeof w);
    *state = both[0];
    *epoch = both[1];
}

/* One acquire load of state and epoch together. */
static uint64_t roam__pair_load(roam_peer_entry_t *p)
{
    return __atomic_load_n(roam__pair_at(p), __ATOMIC_ACQUIRE);
}

/* Move an entry from state `from` to `to` and count one more epoch, as one
 * step: nobody ever sees the new state with the old epoch. Retries while
 * the entry stays in `from` (only its epoch can have moved). */
static roam_err_t roam__pair_take(roam_peer_entry_t *p, uint32_t from, uint32_t to,
                                  uint32_t *found, uint32_t *epoch_out)
{
    uint64_t seen = roam__pair_load(p);

    for (;;) {
        uint32_t state, epoch;

        roam__unpair(seen, &state, &epoch);
        if (state != from) {
            if (found != NULL)
                *found = state;
            return ROAM_E_PEER_BUSY;
        }
        /* acq_rel on success, acquire on failure: the state CAS's orders. */
        if (__atomic_compare_exchange_n(roam__pair_at(p), &seen, roam__pair(to, epoch + 1), false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            if (epoch_out != NULL)
                *epoch_out = epoch + 1;   /* wraps like the shared counter does */
            return ROAM_OK;
        }
    }
}

roam_err_t roam_peer_attach(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out)
{
    return roam__pair_take(p, ROAM_PEER_STATE_EMPTY, ROAM_PEER_STATE_ATTACHED, found, epoch_out);
}

roam_err_t roam_peer_reserve(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out)
{
    return roam__pair_take(p, ROAM_PEER_STATE_EMPTY, ROAM_PEER_STATE_RESERVED, found, epoch_out);
}

roam_err_t roam_peer_claim(roam_peer_entry_t *p, uint32_t *found)
{
    if (!roam_peer_entry_state_claim(p, found))
        return ROAM_E_PEER_BUSY;
    return ROAM_OK;
}

roam_err_t roam_peer_release(roam_peer_entry_t *p, uint32_t *found)
{
    if (!roam_peer_entry_state_release(p, found))
        return ROAM_E_PEER_BUSY;
    return ROAM_OK;
}

bool roam_peer_held(roam_peer_entry_t *p, uint32_t epoch, uint32_t *found)
{
    uint32_t state, seen_epoch;

    roam__unpair(roam__pair_load(p), &state, &seen_epoch);
    if (found != NULL)
        *found = state;
    return state == ROAM_PEER_STATE_ATTACHED && seen_epoch == epoch;
}

roam_err_t roam_peer_detach(roam_peer_entry_t *p, uint32_t epoch, uint32_t *found)
{
    uint64_t want = roam__pair(ROAM_PEER_STATE_ATTACHED, epoch);
    uint64_t seen = want;
    uint32_t state, seen_epoch;

    /* Goodbye only if the entry is still this guest's: Attached at its epoch. */
    if (__atomic_compare_exchange_n(roam__pair_at(p), &seen,
                                    roam__pair(ROAM_PEER_STATE_GOODBYE, epoch), false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return ROAM_OK;
    roam__unpair(seen, &state, &seen_epoch);
    if (found != NULL)
        *found = state;
    return ROAM_E_PEER_BUSY;
}
