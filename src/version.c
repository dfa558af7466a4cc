/*
 * The library's version, as built.
 */
#include "roam_version.h"

unsigned roam_shm_version(void)
{
    return ROAM_SHM_VERSION_HEX;
}

const char *roam_shm_version_string(void)
{
    return ROAM_SHM_VERSION_STRING;
}
