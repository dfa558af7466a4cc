/* Run one Check suite: the runner prints its summary line; the exit code
 * says whether every test passed. */
#ifndef ROAM_TEST_RUN_H
#define ROAM_TEST_RUN_H

#include <check.h>
#include <stdint.h>

/* Check records every ck_assert that passes (one message each, read back
 * when the test ends, in time that grows faster than their number), so a
 * loop of thousands of checks costs seconds, most under the sanitizers.
 * Inside such loops use these: they record nothing while they pass, and
 * fail like ck_assert, with the file, the line and the expression. */
#define test_require(expr)                                                  \
    do {                                                                    \
        if (!(expr))                                                        \
            ck_abort_msg("Assertion '%s' failed", #expr);                   \
    } while (0)

#define test_require_uint_eq(x, y)                                          \
    do {                                                                    \
        uintmax_t test_x_ = (x), test_y_ = (y);                             \
        if (test_x_ != test_y_)                                             \
            ck_abort_msg("Assertion '%s == %s' failed: %ju != %ju", #x, #y, \
                         test_x_, test_y_);                                 \
    } while (0)

/* Run s (and free it); EXIT_SUCCESS when no test failed. */
int test_run_suite(Suite *s);

#endif /* ROAM_TEST_RUN_H */
