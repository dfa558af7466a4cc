/*
 * Error codes: their names and fixed messages, from the schema's one list
 * (ROAM_ERR_MAP in the generated header).
 */
#include "roam_shm.h"

typedef struct roam__err_text {
    const char *name;
    const char *msg;
} roam__err_text_t;

static const roam__err_text_t roam__err_texts[ROAM_E__COUNT] = {
#define ROAM__ERR_TEXT(name, value, msg) [value] = {"ROAM_" #name, msg},
    ROAM_ERR_MAP(ROAM__ERR_TEXT)
#undef ROAM__ERR_TEXT
};

/* The entry for err, or NULL for a value outside the list. */
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
