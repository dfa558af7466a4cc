/*
 * Peer-entry lifecycle (reference §2): each op is the generated
 * compare-and-swap, with the schema's memory orderings. The plain stores
 * (goodbye, reset, heartbeat) are inline in roam_shm.h.
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
