/*
 * libFuzzer: the roam-shm command line. The input is argv, its arguments
 * separated by NUL bytes; it is parsed exactly as the tool parses it (help
 * and usage errors are printed, nothing is opened), and a create command
 * line that parses has its configuration checked and laid out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ARGS 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *argv[FUZZ_ARGS + 2];
    int argc = 1;
    cli_inv_t inv;
    roam_layout_t l;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    argv[0] = "roam-shm";
    for (size_t at = 0; at <= size && argc <= FUZZ_ARGS; argc++) {
        argv[argc] = text + at;
        at += strlen(text + at) + 1;
    }
    argv[argc] = NULL;

    if (cli_parse(argc, argv, &inv) == CLI_ARGS_RUN) {
        if (inv.cmd == NULL || inv.path == NULL)
            abort();
        if (inv.cmd == &cli_cmd_create && roam_config_check(&inv.cfg, NULL) == ROAM_OK &&
            roam_layout_compute(&inv.cfg, &l) != ROAM_OK && l.total_size != 0)
            abort();
    }
    free(text);
    return 0;
}
