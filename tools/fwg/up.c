/* up.c - `fwg up`: parse the configuration, build the engine and its inner
 * side, and run the one poll loop until SIGINT or SIGTERM. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "fsc/netstack.h"
#include "fsc/wgtun.h"
#include "fwg.h"
#include "relay.h"

#define MAX_PFD 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void up_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s up CONFIG (--tun NAME | --lwip) [options]\n\n"
		"Runs a WireGuard tunnel described by CONFIG, a wg(8) configuration file\n"
		"([Interface] PrivateKey, ListenPort, Address, MTU; [Peer] PublicKey,\n"
		"PresharedKey, Endpoint, AllowedIPs, PersistentKeepalive), until SIGINT\n"
		"or SIGTERM.\n\n"
		"Inner side (one of):\n"
		"  --tun NAME          a TUN interface NAME with the Address entries and\n"
		"                      MTU set, up, and routes for every peer's AllowedIPs\n"
		"                      except /0 (root or CAP_NET_ADMIN); programs use\n"
		"                      ordinary sockets on the tunnel addresses\n"
		"  --lwip              a userspace TCP/IP stack (lwIP) on the Address\n"
		"                      entries; no privileges; reach it with:\n"
		"  --forward-in PORT=HOST:HPORT\n"
		"                      (lwip) accept tunnel TCP connections to PORT and\n"
		"                      relay each to HOST:HPORT (kernel TCP); repeatable\n"
		"  --forward-out LPORT=TADDR:TPORT\n"
		"                      (lwip) accept kernel TCP connections on\n"
		"                      127.0.0.1:LPORT and relay each to TADDR:TPORT\n"
		"                      through the tunnel; repeatable\n\n"
		"Options:\n"
		"  --wg-keylog FILE    append Wireshark key-log lines for every handshake\n"
		"                      (LOCAL_STATIC_PRIVATE_KEY and REMOTE_STATIC_PUBLIC_KEY\n"
		"                      once a peer, LOCAL_EPHEMERAL_PRIVATE_KEY each handshake,\n"
		"                      PRESHARED_KEY after it when set); tshark decrypts a\n"
		"                      capture with -o wg.keylog_file:FILE. Without this flag\n"
		"                      the WG_KEYLOGFILE environment variable is used when set.\n"
		"                      The file holds secrets: it is created mode 0600.\n"
		"  --control PATH      a Unix socket for `fwg show PATH`\n"
		"  --mtu N             inner MTU (default: MTU from CONFIG, else 1420)\n"
		"  --load-threshold N  handshake messages a second above which cookie\n"
		"                      replies are demanded (default 256)\n"
		"  --test-timer-divisor N\n"
		"                      TEST ONLY: divide every protocol timer by N (rekey\n"
		"                      after 120/N s, keepalive 10/N s, persistent\n"
		"                      keepalive interval/N, ...) to test rekeying quickly\n\n"
		"Exit status: 0 stopped by a signal, 1 failure, 2 usage error.\n",
		PROG);
}

static int control_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(fd, 8) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One client: a word and a newline in, the rendering out. A slow client
 * waits at most 200 ms. */
static void control_serve(int lfd, struct fsc_wgengine *eng)
{
	struct timeval tv = { 0, 200000 };
	char cmd[32];
	ssize_t n;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = read(fd, cmd, sizeof(cmd) - 1);
	cmd[n > 0 ? n : 0] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return;
	}
	show_render(f, cmd[0] ? cmd : "pretty", eng);
	fclose(f);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb;
			if (cap >= (64u << 20)) {
				snprintf(err, errlen, "larger than 64 MiB");
				goto bad;
			}
			cap = cap ? cap * 2 : 4096;
			if (!(nb = realloc(buf, cap))) {
				snprintf(err, errlen, "out of memory");
				goto bad;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto bad;
	}
	fclose(f);
	*len = n;
	return buf;
bad:
	fclose(f);
	free(buf);
	return NULL;
}

enum { OPT_TUN = 256, OPT_LWIP, OPT_KEYLOG, OPT_CONTROL, OPT_MTU, OPT_LOAD, OPT_DIVISOR,
       OPT_FWD_IN, OPT_FWD_OUT };

int cmd_up(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tun", required_argument, NULL, OPT_TUN },
		{ "lwip", no_argument, NULL, OPT_LWIP },
		{ "wg-keylog", required_argument, NULL, OPT_KEYLOG },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "load-threshold", required_argument, NULL, OPT_LOAD },
		{ "test-timer-divisor", required_argument, NULL, OPT_DIVISOR },
		{ "forward-in", required_argument, NULL, OPT_FWD_IN },
		{ "forward-out", required_argument, NULL, OPT_FWD_OUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fsc_wgengine_opts eo = { 0 };
	const char *tun_name = NULL, *keylog_flag = NULL, *control = NULL;
	bool lwip = false;
	struct relay_set rs;
	char err[256];
	int c, rc = EXIT_FAIL;

	relay_set_init(&rs);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TUN: tun_name = optarg; break;
		case OPT_LWIP: lwip = true; break;
		case OPT_KEYLOG: keylog_flag = optarg; break;
		case OPT_CONTROL: control = optarg; break;
		case OPT_MTU:
			if (!fsc_cli_uint(PROG, "--mtu", optarg, 576, 65535, &eo.mtu))
				return EXIT_USAGE;
			break;
		case OPT_LOAD:
			if (!fsc_cli_uint(PROG, "--load-threshold", optarg, 1, 1000000,
					  &eo.load_threshold))
				return EXIT_USAGE;
			break;
		case OPT_DIVISOR:
			if (!fsc_cli_uint(PROG, "--test-timer-divisor", optarg, 1, 1000,
					  &eo.timer_divisor))
				return EXIT_USAGE;
			break;
		case OPT_FWD_IN:
		case OPT_FWD_OUT:
			if (!relay_set_add(&rs, c == OPT_FWD_IN, optarg, err, sizeof(err))) {
				fprintf(stderr, "%s: %s: '%s': %s\n", PROG,
					c == OPT_FWD_IN ? "--forward-in" : "--forward-out", optarg, err);
				return EXIT_USAGE;
			}
			break;
		case 'h': up_usage(stdout); return EXIT_OK;
		default: up_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (!tun_name == !lwip)) {
		fprintf(stderr, "%s: up: need CONFIG and one of --tun NAME or --lwip (see %s up --help)\n",
			PROG, PROG);
		return EXIT_USAGE;
	}
	if (rs.n && !lwip) {
		fprintf(stderr, "%s: up: --forward-in/--forward-out need --lwip (with --tun, use sockets)\n", PROG);
		return EXIT_USAGE;
	}

	const char *path = argv[optind];
	size_t len;
	char *text = read_file(path, &len, err, sizeof(err));
	struct fsc_wgconf conf;
	if (!text) {
		fprintf(stderr, "%s: cannot read configuration: '%s': %s\n", PROG, path, err);
		return EXIT_FAIL;
	}
	bool ok = fsc_wgconf_parse(text, len, &conf, err, sizeof(err));
	free(text);
	if (!ok) {
		fprintf(stderr, "%s: bad configuration: '%s': %s\n", PROG, path, err);
		return EXIT_FAIL;
	}
	eo.keylog_path = fsc_wgengine_keylog_path(keylog_flag);
	struct fsc_wgengine *eng = fsc_wgengine_new(&conf, &eo, err, sizeof(err));
	unsigned mtu = eo.mtu ? eo.mtu : conf.mtu ? conf.mtu : 1420;
	fsc_wgconf_free(&conf);
	if (!eng) {
		fprintf(stderr, "%s: cannot start the tunnel: '%s': %s\n", PROG, path, err);
		return EXIT_FAIL;
	}

	struct fsc_wgtun *tun = NULL;
	struct fsc_netstack *ns = NULL;
	int cfd = -1;
	struct pollfd *pfd = calloc(MAX_PFD, sizeof(*pfd));
	if (!pfd) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		goto out;
	}
	if (tun_name && !(tun = fsc_wgtun_open(eng, tun_name, mtu, err, sizeof(err)))) {
		fprintf(stderr, "%s: cannot open the TUN device: '%s': %s\n", PROG, tun_name, err);
		goto out;
	}
	if (lwip && !(ns = fsc_netstack_new(eng, mtu, err, sizeof(err)))) {
		fprintf(stderr, "%s: cannot start the userspace stack: '%s': %s\n", PROG, path, err);
		goto out;
	}
	if (ns && !relay_set_start(&rs, ns, err, sizeof(err))) {
		fprintf(stderr, "%s: cannot forward: %s\n", PROG, err);
		goto out;
	}
	if (control && (cfd = control_open(control)) < 0) {
		fprintf(stderr, "%s: --control: '%s': %s\n", PROG, control, strerror(errno));
		goto out;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "%s: up: listening on UDP port %u\n", PROG, fsc_wgengine_listen_port(eng));

	while (!stop) {
		size_t n = 0;
		int timeout;

		if (ns) {
			n += fsc_netstack_pollfds(ns, pfd + n, MAX_PFD - 2 - n);
			timeout = fsc_netstack_timeout_ms(ns);
		} else {
			n += fsc_wgengine_pollfds(eng, pfd + n, MAX_PFD - n);
			timeout = fsc_wgengine_timeout_ms(eng);
		}
		if (tun)
			n += fsc_wgtun_pollfds(tun, pfd + n, MAX_PFD - n);
		n += relay_set_pollfds(&rs, pfd + n, MAX_PFD - 1 - n);
		if (cfd >= 0) {
			pfd[n].fd = cfd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", PROG, strerror(errno));
			goto out;
		}
		if (ns)
			fsc_netstack_handle(ns, pfd, n);
		else
			fsc_wgengine_handle(eng, pfd, n);
		if (tun)
			fsc_wgtun_handle(tun, pfd, n);
		relay_set_handle(&rs, pfd, n);
		if (cfd >= 0 && (pfd[n - 1].revents & POLLIN))
			control_serve(cfd, eng);
	}
	rc = EXIT_OK;
out:
	relay_set_free(&rs);
	fsc_netstack_free(ns);
	fsc_wgtun_free(tun);
	fsc_wgengine_free(eng);
	if (cfd >= 0) {
		close(cfd);
		unlink(control);
	}
	free(pfd);
	return rc;
}
