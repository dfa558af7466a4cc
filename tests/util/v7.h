/*
 * Assertions of the roam v7 conformance tests: the only tests that pin the
 * real layout (roam's own fixtures and tests, the reference's literal
 * offsets, its worked example and golden bytes). A failure says that the
 * schema change breaks compatibility with roam v7 peers: either undo it,
 * or bump the format version (SEGMENT_VERSION and the magic's last byte),
 * since roam's peers will no longer read these segments.
 */
#ifndef ROAM_TEST_V7_H
#define ROAM_TEST_V7_H

#include <check.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "roam_shm.h"

#define V7_PREFIX "roam v7 conformance: "
#define V7_SUFFIX " — this schema change breaks compatibility with roam v7 peers"

/* `what` (a string) must hold. */
#define v7_true(cond, what)                                                              \
    ck_assert_msg((cond), V7_PREFIX "%s (%s is false)" V7_SUFFIX, (what), #cond)

/* got == want, as unsigned numbers; `what` names the value. */
#define v7_eq(got, want, what)                                                           \
    do {                                                                                 \
        uint64_t v7_got_ = (uint64_t)(got), v7_want_ = (uint64_t)(want);                 \
        ck_assert_msg(v7_got_ == v7_want_,                                               \
                      V7_PREFIX "%s is %" PRIu64 ", roam v7 has %" PRIu64 V7_SUFFIX,     \
                      (what), v7_got_, v7_want_);                                        \
    } while (0)

/* The same error code. */
#define v7_err(got, want, what)                                                          \
    do {                                                                                 \
        roam_err_t v7_got_ = (got), v7_want_ = (want);                                   \
        ck_assert_msg(v7_got_ == v7_want_, V7_PREFIX "%s gives %s, roam v7 gives %s" V7_SUFFIX, \
                      (what), roam_errname(v7_got_), roam_errname(v7_want_));            \
    } while (0)

/* The same bytes; the message names the first one that differs. */
#define v7_mem_eq(got, want, len, what)                                                  \
    do {                                                                                 \
        const unsigned char *v7_g_ = (const unsigned char *)(got);                       \
        const unsigned char *v7_w_ = (const unsigned char *)(want);                      \
        size_t v7_i_ = 0, v7_n_ = (len);                                                 \
        while (v7_i_ < v7_n_ && v7_g_[v7_i_] == v7_w_[v7_i_])                            \
            v7_i_++;                                                                     \
        ck_assert_msg(v7_i_ == v7_n_,                                                    \
                      V7_PREFIX "%s: byte %zu is %#x, roam v7 has %#x" V7_SUFFIX, (what), \
                      v7_i_, v7_i_ < v7_n_ ? v7_g_[v7_i_] : 0u,                          \
                      v7_i_ < v7_n_ ? v7_w_[v7_i_] : 0u);                                \
    } while (0)

/* The same text. */
#define v7_str_eq(got, want, what)                                                       \
    do {                                                                                 \
        const char *v7_g_ = (got), *v7_w_ = (want);                                      \
        ck_assert_msg(strcmp(v7_g_, v7_w_) == 0,                                         \
                      V7_PREFIX "%s is \"%s\", roam v7 has \"%s\"" V7_SUFFIX, (what), v7_g_, \
                      v7_w_);                                                            \
    } while (0)

#endif /* ROAM_TEST_V7_H */
