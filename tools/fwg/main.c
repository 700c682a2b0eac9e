/* fwg - a WireGuard tunnel from a wg(8) configuration file, on a TUN device
 * or on a userspace TCP/IP stack (lwIP) that needs no privileges.
 *
 *   fwg up wg0.conf --tun fwg0 [--wg-keylog FILE]
 *   fwg up node.conf --lwip --forward-in 80=127.0.0.1:8080
 *   fwg show /run/fwg0.sock [dump|json]
 *
 * One subcommand a file (up.c, show.c), a table here, as wg(8) does.
 */
#include <stdio.h>
#include <string.h>

#include "fwg.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "up", cmd_up, "run a tunnel from a configuration file (until SIGINT/SIGTERM)" },
	{ "show", cmd_show, "show a running tunnel's peers and counters" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <command> [arguments]  (%s <command> --help for more)\n\n",
		PROG, PROG);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-6s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage error.\n"
		   "See fwg(1) for the configuration format and the key log.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("%s %s\n", PROG, FSC_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command: '%s': see %s --help\n", PROG, argv[1], PROG);
	return EXIT_USAGE;
}
