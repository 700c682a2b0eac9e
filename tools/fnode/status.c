/* status.c - placeholder, replaced below */
#include "fnode.h"
int fnode_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
