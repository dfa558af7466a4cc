/*
 * Peer-entry lifecycle (reference §2): each op is the generated
 * compare-and-swap or store, with the schema's memory orderings.
 */
#include "roam_shm.h"

/* Count one more attach or reserve; the new epoch goes to *epoch_out. */
static void roam__peer_bump_epoch(roam_peer_entry_t *p, uint32_t *epoch_out)
{
    uint32_t old = roam_peer_entry_epoch_bump(p, 1);

    if (epoch_out != NULL)
        *epoch_out = old + 1;   /* wraps like the shared counter does */
}

roam_err_t roam_peer_attach(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out)
{
    if (!roam_peer_entry_state_attach(p, found))
        return ROAM_E_PEER_BUSY;
    roam__peer_bump_epoch(p, epoch_out);
    return ROAM_OK;
}

roam_err_t roam_peer_reserve(roam_peer_entry_t *p, uint32_t *found, uint32_t *epoch_out)
{
    if (!roam_peer_entry_state_reserve(p, found))
        return ROAM_E_PEER_BUSY;
    roam__peer_bump_epoch(p, epoch_out);
    return ROAM_OK;
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

void roam_peer_goodbye(roam_peer_entry_t *p)
{
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_GOODBYE);
}

void roam_peer_reset(roam_peer_entry_t *p)
{
    /* Clear the heartbeat first: whoever sees Empty (release/acquire) also
     * sees no stale heartbeat from the previous guest. */
    roam_peer_entry_store_last_heartbeat(p, 0);
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_EMPTY);
}

void roam_peer_heartbeat(roam_peer_entry_t *p, uint64_t now_ns)
{
    roam_peer_entry_store_last_heartbeat(p, now_ns);
}
