/* Run one Check suite: the runner prints its summary line; the exit code
 * says whether every test passed. */
#ifndef ROAM_TEST_RUN_H
#define ROAM_TEST_RUN_H

#include <check.h>

/* Run s (and free it); EXIT_SUCCESS when no test failed. */
int test_run_suite(Suite *s);

#endif /* ROAM_TEST_RUN_H */
