/*
 * What `roam-shm dump` prints for a segment image, worked out from the
 * generated field tables: tests compare the tool's output with it, so a
 * field the schema adds is expected without any test edit.
 */
#ifndef ROAM_TEST_CLI_DUMP_H
#define ROAM_TEST_CLI_DUMP_H

#include <stdbool.h>
#include <stddef.h>

/* The dump of the len bytes at image (aligned as a segment, a valid header):
 * the header's fields in schema order, then, when image holds the whole
 * valid segment, every peer entry and size-class header; as name=value
 * lines, or as one JSON object when json. Heartbeats must be off (no
 * heartbeat_age_ns). malloc'd; free() it. */
char *cli_expected_dump(const void *image, size_t len, bool json);

#endif /* ROAM_TEST_CLI_DUMP_H */
