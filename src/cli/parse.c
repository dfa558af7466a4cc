/* The command line: which command, its options and FILE. Reads nothing
 * but argv. Adding a command is one table line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command_t *const commands[] = {
    &cli_cmd_validate,
    &cli_cmd_dump,
    &cli_cmd_create,
    &cli_cmd_goodbye,
    &cli_cmd_echo,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The top-level help; its first paragraph after the usage lines is the
 * one-line description the man page takes for its NAME. */
static void usage(FILE *fp)
{
    fprintf(fp, "usage: " CLI_PROG " COMMAND [OPTIONS] ...\n"
                "       " CLI_PROG " --help | --version\n\n"
                "Check, inspect, create and signal roam v7 shared-memory segment files.\n\n"
                "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(fp, "\noptions:\n"
                "  -h, --help  print this help\n"
                "  --version   print the version of the roam-shm library in use\n"
                "\nRun '" CLI_PROG " COMMAND --help' for a command's options.\n"
                "Exit status: 0 ok, 1 invalid segment, 2 usage, parameter or I/O error.\n");
}

/* One command's options and its FILE operand. */
static int parse_command(const cli_command_t *cmd, int argc, char **argv, cli_inv_t *inv)
{
    cli_args_t a;

    cli_args_init(&a, argc, argv);
    for (;;) {
        const char *value;
        int opt = cli_args_next(&a, cmd->options, cmd->noptions, &value);

        if (opt == CLI_ARG_END)
            break;
        if (opt == CLI_ARG_ERROR)
            return CLI_EXIT_USAGE;
        if (opt == CLI_ARG_POSITIONAL) {
            if (inv->path != NULL)
                return cli_usage_error(argv[0], "unexpected operand '%s'", value);
            inv->path = value;
            continue;
        }
        /* Option 0 is always --help: the usage, and nothing else happens. */
        if (opt == 0) {
            fputs(cmd->usage, stdout);
            return CLI_EXIT_OK;
        }
        inv->seen[opt] = true;
        if (cmd->options[opt].has_value && cmd->apply(inv, opt, value) < 0)
            return CLI_EXIT_USAGE;
    }
    if (inv->path == NULL)
        return cli_usage_error(argv[0], "missing FILE");
    if (cmd->finish != NULL && cmd->finish(inv, argv[0]) < 0)
        return CLI_EXIT_USAGE;
    return CLI_ARGS_RUN;
}

int cli_parse(int argc, char **argv, cli_inv_t *inv)
{
    const char *name;

    memset(inv, 0, sizeof *inv);
    /* No command: usage is an error. */
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    /* Top-level help and version. */
    name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    /* The library's version: the one linked, which the tool reports. */
    if (strcmp(name, "--version") == 0) {
        printf(CLI_PROG " %s\n", roam_shm_version_string());
        return CLI_EXIT_OK;
    }

    /* The command, with argv[0] = its name. */
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(name, commands[i]->name) == 0) {
            inv->cmd = commands[i];
            return parse_command(commands[i], argc - 1, argv + 1, inv);
        }
    }
    fprintf(stderr, CLI_PROG ": unknown command '%s'\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

int cli_main(int argc, char **argv)
{
    cli_inv_t inv;
    int rc = cli_parse(argc, argv, &inv);

    if (rc != CLI_ARGS_RUN)
        return rc;
    return inv.cmd->run(&inv);
}
