/* roam-shm: dispatch to one command. Adding a command is one table line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command_t;

static const cli_command_t commands[] = {
    {"validate", cmd_validate, "check that a file holds a valid roam v7 segment"},
    {"dump", cmd_dump, "print a segment's header, peer table and size classes"},
    {"create", cmd_create, "write a fresh segment to a file"},
    {"goodbye", cmd_goodbye, "raise the host goodbye flag on a live segment"},
    {"echo", cmd_echo, "join a live segment as a guest and echo every message back"},
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
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\noptions:\n"
                "  -h, --help  print this help\n"
                "  --version   print the version of the roam-shm library in use\n"
                "\nRun '" CLI_PROG " COMMAND --help' for a command's options.\n"
                "Exit status: 0 ok, 1 invalid segment, 2 usage or I/O error.\n");
}

int main(int argc, char **argv)
{
    /* No command: usage is an error. */
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    /* Top-level help. */
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }

    /* The library's version: the one linked, which the tool reports. */
    if (strcmp(name, "--version") == 0) {
        printf(CLI_PROG " %s\n", roam_shm_version_string());
        return CLI_EXIT_OK;
    }

    /* Run the command with argv[0] = its name. */
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);

    fprintf(stderr, CLI_PROG ": unknown command '%s'\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
