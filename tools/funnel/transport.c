#define _GNU_SOURCE 1 /* accept4 */
/* transport.c - the transports. Only `direct` exists until the WireGuard
 * engine lands; adding one is one table row. */
#include "transport.h"

#include <string.h>
#include <sys/socket.h>

#include "net.h"

static bool direct_attach(struct fsc_loop *l, char *err, size_t errlen)
{
	(void)l;
	(void)err;
	(void)errlen;
	return true;
}

static int direct_listen(const char *addr, char *err, size_t errlen)
{
	return fsc_tcp_listen(addr, 1024, err, errlen);
}

static int direct_accept(int lfd, struct sockaddr_storage *peer)
{
	socklen_t len = sizeof(*peer);

	return accept4(lfd, (struct sockaddr *)peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static const struct fsc_transport transports[] = {
	{ "direct", direct_attach, direct_listen, direct_accept, fsc_tcp_connect },
};

const struct fsc_transport *fsc_transport_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (strcmp(transports[i].name, name) == 0)
			return &transports[i];
	return NULL;
}

const char *fsc_transport_names(void)
{
	return "direct";
}
