/*
 * ports.c - lesson 01: what a TCP port is.
 *
 *   ports                 the demo: one listening port, many connections
 *   ports PORT|SERVICE    explain a port number, or find a service's port
 *   ports --bind PORT     try to bind 127.0.0.1:PORT and explain the result
 *
 * A port is a 16-bit number, 0..65535.  With an IP address it names one
 * end of a connection; a connection is the 4-tuple (client IP, client
 * port, server IP, server port), which is why one server port can serve
 * many connections at once.  Run `make lesson-01`.
 */
#include "die.h"
#include "sock_util.h"
#include "sysctl.h"
#include "well_known.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_CLIENTS 3

static void usage(FILE *to)
{
	fprintf(to,
		"usage: ports                 demo: one port, many connections\n"
		"       ports PORT|SERVICE    explain a port, or find a service's port\n"
		"       ports --bind PORT     try to bind 127.0.0.1:PORT\n"
		"PORT is a number from 0 to 65535; SERVICE a name such as ssh.\n");
}

/*
 * EXERCISE: make this parser strict.  It must accept exactly the decimal
 * numbers 0..65535 and return -1 for anything else.  atoi() checks
 * nothing: "80abc" gives 80, "" gives 0, "-1" wraps to 65535, "70000"
 * does not fit in 16 bits and wraps to 4464, and a number too big for
 * an int is undefined behaviour.  Try `ports 70000` and see.
 * Returns 0 and stores the port, or -1 if text is not a port number.
 */
static int parse_port(const char *text, uint16_t *port)
{
	*port = (uint16_t)atoi(text);
	return 0;
}

#define UNPRIV_START "net.ipv4.ip_unprivileged_port_start"
#define LOCAL_RANGE  "net.ipv4.ip_local_port_range"

/* The service name of a port: /etc/services first (getservbyport(3)),
 * then the notes' own table (demo/well_known.c). */
static const char *service_name(unsigned port)
{
	struct servent *s = getservbyport(htons((uint16_t)port), "tcp");

	return s != NULL ? s->s_name : well_known_name(port);
}

/* The port of a service name, or -1 if neither source knows it. */
static int service_port(const char *name)
{
	struct servent *s = getservbyname(name, "tcp");

	return s != NULL ? ntohs((uint16_t)s->s_port) : well_known_port(name);
}

/* Say what the system thinks of a port number. */
static void explain(unsigned port)
{
	const char *name = service_name(port);
	int unpriv = sysctl_int(UNPRIV_START, 0, 1024);
	int lo = sysctl_int(LOCAL_RANGE, 0, 32768);
	int hi = sysctl_int(LOCAL_RANGE, 1, 60999);

	printf("port %u/tcp: %s\n", port, name ? name : "(no service name)");
	if (port == 0)
		printf("  not a real port: binding port 0 asks the kernel"
		       " to pick a free one\n");
	else if (port < 1024)
		printf("  well-known (system) port, 1..1023\n");
	else if (port < 49152)
		printf("  registered (user) port, 1024..49151\n");
	else
		printf("  dynamic (private) port, 49152..65535\n");
	if (port > 0 && (int)port < unpriv)
		printf("  privileged: binding it needs root or"
		       " CAP_NET_BIND_SERVICE\n    (here every port below %d:"
		       " net.ipv4.ip_unprivileged_port_start)\n", unpriv);
	if ((int)port >= lo && (int)port <= hi)
		printf("  ephemeral: the kernel picks client ports from here\n"
		       "    (%d..%d: net.ipv4.ip_local_port_range)\n", lo, hi);
}

/* Try to bind 127.0.0.1:port and say what happened; the exit status. */
static int try_bind(const char *text)
{
	char where[SOCK_ADDRSTRLEN];
	int fd, gai_err, got;
	uint16_t port;

	if (parse_port(text, &port) == -1)
		die_usage("bad port '%s': a port is a number from 0 to 65535",
			  text);
	/* sock_listen binds and listens, as a server would. */
	fd = sock_listen("127.0.0.1", text, 1, &gai_err);
	if (fd == -1 && gai_err != 0)
		die("bind 127.0.0.1:%u: %s", port, gai_strerror(gai_err));
	if (fd == -1 && errno == EACCES)
		die("bind 127.0.0.1:%u: Permission denied (ports below %d need"
		    " root or CAP_NET_BIND_SERVICE)", port,
		    sysctl_int(UNPRIV_START, 0, 1024));
	if (fd == -1 && errno == EADDRINUSE)
		die("bind 127.0.0.1:%u: Address already in use (another socket"
		    " listens there; ss -tlnp shows which)", port);
	if (fd == -1)
		die("bind 127.0.0.1:%u:", port);

	got = sock_local_port(fd);
	printf("bound %s\n", sock_local_str(fd, where, sizeof where));
	if (port == 0)
		printf("  you asked for port 0: the kernel picked port %d,"
		       " a free ephemeral port\n", got);
	close(fd);
	return 0;
}

/* One client connects; print its 4-tuple as each end sees it. */
static int connect_one(int listener, int n, int *server_end)
{
	char local[SOCK_ADDRSTRLEN], peer[SOCK_ADDRSTRLEN];
	char port[8];
	int fd, gai_err;

	snprintf(port, sizeof port, "%d", sock_local_port(listener));
	fd = sock_connect("127.0.0.1", port, -1, &gai_err);
	if (fd == -1)
		die("connect 127.0.0.1:%s:", port);
	/* connect() returned: the kernel has completed the handshake and
	 * queued the connection, so accept() will not wait. */
	*server_end = accept(listener, NULL, NULL);
	if (*server_end == -1)
		die("accept:");
	printf("  connection %d:\n", n);
	printf("    client sees %s -> %s\n",
	       sock_local_str(fd, local, sizeof local),
	       sock_peer_str(fd, peer, sizeof peer));
	printf("    server sees %s <- %s\n",
	       sock_local_str(*server_end, local, sizeof local),
	       sock_peer_str(*server_end, peer, sizeof peer));
	return fd;
}

static int demo(void)
{
	char where[SOCK_ADDRSTRLEN];
	int clients[DEMO_CLIENTS], servers[DEMO_CLIENTS];
	int listener, second, gai_err, i, port;

	printf("Lesson 01: one listening port, many connections.\n\n");
	printf("1. A server socket listens on port 0, so the kernel picks"
	       " a free port:\n");
	listener = sock_listen("127.0.0.1", "0", 10, &gai_err);
	if (listener == -1)
		die("listen 127.0.0.1:0:");
	port = sock_local_port(listener);
	printf("  listening on %s\n\n",
	       sock_local_str(listener, where, sizeof where));

	printf("2. %d clients connect; the kernel gives each one an"
	       " ephemeral port:\n", DEMO_CLIENTS);
	for (i = 0; i < DEMO_CLIENTS; i++)
		clients[i] = connect_one(listener, i + 1, &servers[i]);

	printf("\n3. All %d connections use server port %d at the same"
	       " time.  The kernel\n   tells them apart by the whole"
	       " 4-tuple (client IP, client port, server IP,\n   server"
	       " port): only the client ports differ.\n\n",
	       DEMO_CLIENTS, port);

	printf("4. A second socket tries to listen on port %d too:\n", port);
	snprintf(where, sizeof where, "%d", port);
	second = sock_listen("127.0.0.1", where, 10, &gai_err);
	if (second != -1)
		die("the second bind worked: this system shares ports");
	if (errno != EADDRINUSE)
		die("listen 127.0.0.1:%d:", port);
	printf("  bind: %s (EADDRINUSE):\n  one listening socket per"
	       " address and port.\n", strerror(errno));

	for (i = 0; i < DEMO_CLIENTS; i++) {
		close(clients[i]);
		close(servers[i]);
	}
	close(listener);
	return 0;
}

int main(int argc, char **argv)
{
	uint16_t port;
	int found;

	set_progname(argv[0]);
	if (argc == 1)
		return demo();
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--bind") == 0 && argc == 3)
		return try_bind(argv[2]);
	if (argc != 2 || strncmp(argv[1], "--", 2) == 0)
		die_usage("bad arguments (see ports --help)");

	/* What starts like a number (or is empty) is a port ... */
	if (argv[1][0] == '\0' || strchr("0123456789+- \t", argv[1][0])) {
		if (parse_port(argv[1], &port) == -1)
			die_usage("bad port '%s': a port is a number from"
				  " 0 to 65535", argv[1]);
		explain(port);
		return 0;
	}
	/* ... anything else is a service name. */
	found = service_port(argv[1]);
	if (found == -1)
		die_usage("'%s' is neither a port number (0..65535) nor a"
			  " known service name (see /etc/services)", argv[1]);
	printf("%s is port %d/tcp\n", argv[1], found);
	explain((unsigned)found);
	return 0;
}
