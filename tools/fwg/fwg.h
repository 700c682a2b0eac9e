/* fwg.h - what fwg's subcommand files share. */
#ifndef FWG_H
#define FWG_H

#include <stdio.h>

#include "fsc/wgengine.h"

#define PROG "fwg"

/* Exit codes (stable; documented in --help and doc/fwg.1). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_up(int argc, char **argv);
int cmd_show(int argc, char **argv);

/* The control socket of `fwg up --control PATH`: a client writes one word
 * (pretty, dump, json) and a newline, the server answers and closes. */
void show_render(FILE *out, const char *format, struct fsc_wgengine *eng);

#endif
