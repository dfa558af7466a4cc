/*
 * Configuration rules: what cannot work is refused at creation, with the
 * reason, before any layout arithmetic; and the same rules reported (never
 * enforced) for a segment someone else created, since roam's peers accept
 * such segments.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "roam_internal.h"

/* Where the rules' findings go: up to max of them into out, counting all;
 * with first_only the rules stop at the first. */
typedef struct roam__findings {
    roam_diag_t *out;
    uint32_t max;
    uint32_t count;
    bool first_only;
} roam__findings_t;

/* Record one finding; true when the rules should stop. */
static bool roam__found(roam__findings_t *f, roam_err_t err, uint32_t index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool roam__found(roam__findings_t *f, roam_err_t err, uint32_t index, const char *fmt, ...)
{
    va_list ap;

    if (f->count < f->max) {
        roam_diag_t *d = &f->out[f->count];

        d->err = err;
        d->index = index;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    f->count++;
    return f->first_only;
}

/* How far the inline threshold reaches, in entry bytes: the effective
 * threshold, unless max_payload_size (or what the u16 inline length can
 * say) keeps every inline entry, align4(8 + payload), below it. A ring
 * must carry that much: a threshold beyond the ring promises inline
 * entries no ring can hold (senders then fall back to slots, or fail). */
static uint64_t roam__inline_reach(const roam_segment_config_t *cfg)
{
    uint32_t threshold = cfg->inline_threshold != 0 ? cfg->inline_threshold
                                                    : ROAM_DEFAULT_INLINE_THRESHOLD;
    uint32_t payload = cfg->max_payload_size < ROAM_INLINE_PAYLOAD_MAX ? cfg->max_payload_size
                                                                       : ROAM_INLINE_PAYLOAD_MAX;
    uint64_t largest = roam_frame_inline_len(payload);

    return threshold < largest ? threshold : largest;
}

/* The peer table and rings. */
static bool roam__rules_peers(const roam_segment_config_t *cfg, roam__findings_t *f)
{
    uint64_t reach;

    if (cfg->max_guests == 0 &&
        roam__found(f, ROAM_E_CONFIG_NO_GUESTS, 0, "max_guests is 0: no guest could ever attach"))
        return true;
    if (cfg->max_guests > ROAM_MAX_GUESTS &&
        roam__found(f, ROAM_E_LAYOUT_MAX_GUESTS, 0, "max_guests %" PRIu32 " exceeds %u",
                    cfg->max_guests, ROAM_MAX_GUESTS))
        return true;
    if ((cfg->bipbuf_capacity == 0 || cfg->bipbuf_capacity % ROAM_SEGMENT_ALIGN != 0) &&
        roam__found(f, ROAM_E_LAYOUT_CAPACITY, 0,
                    "bipbuf_capacity %" PRIu32 " is not a non-zero multiple of %u",
                    cfg->bipbuf_capacity, ROAM_SEGMENT_ALIGN))
        return true;
    if (cfg->max_payload_size == 0 &&
        roam__found(f, ROAM_E_CONFIG_NO_PAYLOAD, 0,
                    "max_payload_size is 0: no payload could ever be sent"))
        return true;

    /* An inline entry is never split: the threshold must not promise
     * entries larger than a ring. */
    reach = roam__inline_reach(cfg);
    if (cfg->bipbuf_capacity != 0 && reach > cfg->bipbuf_capacity &&
        roam__found(f, ROAM_E_CONFIG_INLINE_RING, 0,
                    "inline_threshold %" PRIu32 " is larger than a %" PRIu32
                    "-byte ring can carry (inline entries up to %" PRIu64 " bytes)",
                    cfg->inline_threshold != 0 ? cfg->inline_threshold
                                               : ROAM_DEFAULT_INLINE_THRESHOLD,
                    cfg->bipbuf_capacity, reach))
        return true;
    return false;
}

/* The size classes. */
static bool roam__rules_classes(const roam_segment_config_t *cfg, roam__findings_t *f)
{
    if ((cfg->classes == NULL || cfg->num_classes == 0) &&
        roam__found(f, ROAM_E_LAYOUT_NO_CLASSES, 0, "no size classes"))
        return true;
    if (cfg->num_classes > ROAM_MAX_SIZE_CLASSES)
        return roam__found(f, ROAM_E_LAYOUT_TOO_MANY_CLASSES, 0,
                           "%" PRIu32 " size classes, more than %u"
                           " (a slot reference's class_idx is one byte)",
                           cfg->num_classes, ROAM_MAX_SIZE_CLASSES);
    if (cfg->classes == NULL)
        return false;

    for (uint32_t i = 0; i < cfg->num_classes; i++) {
        const roam_size_class_t *c = &cfg->classes[i];

        if (c->slot_size == 0 &&
            roam__found(f, ROAM_E_LAYOUT_SLOT_SIZE, i, "class %" PRIu32 ": slot_size is 0", i))
            return true;
        if (c->slot_count == 0 &&
            roam__found(f, ROAM_E_LAYOUT_SLOT_COUNT, i, "class %" PRIu32 ": slot_count is 0", i))
            return true;
        /* roam's peers put the payload length in front of every slot payload. */
        if (c->slot_size != 0 && c->slot_size <= ROAM_SLOT_LEN_PREFIX_SIZE &&
            roam__found(f, ROAM_E_CONFIG_SLOT_PREFIX, i,
                        "class %" PRIu32 ": slot_size %" PRIu32 " leaves no room for a payload "
                        "after the %u-byte length prefix roam's peers put in every slot",
                        i, c->slot_size, ROAM_SLOT_LEN_PREFIX_SIZE))
            return true;
    }
    return false;
}

/* Run every rule in order into *f. */
static uint32_t roam__config_rules(const roam_segment_config_t *cfg, roam__findings_t *f)
{
    if (!roam__rules_peers(cfg, f))
        roam__rules_classes(cfg, f);
    return f->count;
}

roam_err_t roam_config_check(const roam_segment_config_t *cfg, roam_diag_t *diag)
{
    roam_diag_t first;
    roam__findings_t f = {&first, 1, 0, true};

    if (roam__config_rules(cfg, &f) == 0)
        return roam__diag_ok(diag);
    if (diag != NULL)
        *diag = first;
    return first.err;
}

void roam_segment_config(const void *base, const roam_segment_header_plain_t *snap,
                         roam_segment_config_t *cfg, roam_size_class_t *classes)
{
    uint32_t n = roam_segment_header_plain_num_var_slot_classes(snap);

    /* Never more classes than the caller's table holds. */
    if (n > ROAM_MAX_SIZE_CLASSES)
        n = ROAM_MAX_SIZE_CLASSES;
    cfg->max_guests = roam_segment_header_plain_max_guests(snap);
    cfg->bipbuf_capacity = roam_segment_header_plain_bipbuf_capacity(snap);
    cfg->max_payload_size = roam_segment_header_plain_max_payload_size(snap);
    cfg->inline_threshold = roam_segment_header_plain_inline_threshold(snap);
    cfg->heartbeat_interval = roam_segment_header_plain_heartbeat_interval(snap);
    cfg->num_classes = n;
    cfg->classes = classes;

    /* Each class header read once: the segment may change while we look. */
    for (uint32_t i = 0; i < n; i++) {
        const roam_size_class_header_t *h = roam_segment_class(base, snap, i);

        classes[i].slot_size = roam_size_class_header_slot_size(h);
        classes[i].slot_count = roam_size_class_header_slot_count(h);
    }
}

uint32_t roam_segment_lint(const void *base, const roam_segment_header_plain_t *snap, roam_diag_t *out,
                           uint32_t max)
{
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg;
    roam__findings_t f = {out, out != NULL ? max : 0, 0, false};

    roam_segment_config(base, snap, &cfg, classes);
    return roam__config_rules(&cfg, &f);
}
