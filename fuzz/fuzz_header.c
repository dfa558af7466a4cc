/*
 * libFuzzer: header validation on any bytes. The input is the buffer, in a
 * heap block of exactly its size, so any read past it is caught; a header
 * that passes is read field by field through the generated tables.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "roam_shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roam_segment_header_plain_t snap;
    const roam_field_info_t *fields;
    roam_err_t err;
    uint64_t sum = 0;
    size_t n;

    err = roam_header_validate(data, size, ROAM_VALIDATE_MAPPING, &snap);
    if (err != roam_header_validate(data, size, ROAM_VALIDATE_MAPPING, NULL))
        abort();   /* the same bytes, the same verdict */
    if (roam_header_validate(data, size, 0, &snap) != ROAM_OK)
        return 0;
    /* A header that passed: every rule holds on its snapshot. */
    if (roam_header_check(&snap) != ROAM_OK || roam_segment_header_plain_max_guests(&snap) > ROAM_MAX_GUESTS ||
        roam_segment_header_plain_num_var_slot_classes(&snap) > ROAM_MAX_SIZE_CLASSES)
        abort();
    fields = roam_segment_header_fields(&n);
    for (size_t i = 0; i < n; i++)
        sum += roam_field_value(&snap, &fields[i]);
    sum += roam_segment_header_plain_effective_inline_threshold(&snap);
    return (int)(sum & 0);
}
