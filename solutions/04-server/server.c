/*
 * server.c - lesson 04: a TCP echo server, one client after another.
 *
 *   server                        the demo: four clients, then it stops
 *   server [--host HOST] [--port PORT] [--backlog N]
 *
 * The course notes' server in C: bind 127.0.0.1:1234, listen(10), then
 * forever: accept() a client, send back every byte it sends until it
 * closes (EOF), close, and take the next.  A client's trouble (a reset,
 * a vanished peer, a failed accept()) ends that client only.  Ctrl-C
 * (SIGINT) or SIGTERM stop it with a summary.  --port 0 lets the kernel
 * pick a free port.  Run `make lesson-04`.
 */
#include "die.h"
#include "echo_demo.h"
#include "server_args.h"
#include "sock_util.h"
#include "stop_signals.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fprintf(to,
		"usage: server [--host HOST] [--port PORT] [--backlog N]\n"
		"With no arguments: a demo with four clients, then it stops.\n"
		"Echoes every client's bytes back, one client after another,"
		" until Ctrl-C.\n"
		"Defaults: --host 127.0.0.1 --port 1234 --backlog 10;"
		" --port 0: the kernel picks.\n");
}

/* Sleep until fd is ready: to read (a client to accept(), bytes or EOF
 * to recv()), or if for_write, to take more bytes from send().  Only
 * then can Ctrl-C or SIGTERM come (demo/stop_signals.c).  Returns 1,
 * or 0 if a stop signal came first. */
static int wait_ready(int fd, int for_write)
{
	int ready = stop_wait(fd, for_write);

	if (ready == -1)
		die("pselect:");
	return ready;
}

/*
 * getaddrinfo() the address to serve, then socket(), SO_REUSEADDR (so a
 * restart can bind while the last run's connections sit in TIME_WAIT),
 * bind() and listen(): from here on the kernel completes handshakes by
 * itself and queues up to backlog connections for accept().
 */
static int open_listener(const char *host, const char *port, int backlog)
{
	struct addrinfo hints, *list, *ai;
	char where[SOCK_ADDRSTRLEN];
	int fd = -1, err, saved = 0, on = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;		/* IPv4 or IPv6 */
	hints.ai_socktype = SOCK_STREAM;	/* TCP */
	err = getaddrinfo(host, port, &hints, &list);
	if (err != 0)
		die("%s: %s", host, gai_strerror(err));
	for (ai = list; ai != NULL && fd == -1; ai = ai->ai_next) {
		sock_addr_str(ai->ai_addr, where, sizeof where);
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd == -1
		    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on)
		    || bind(fd, ai->ai_addr, ai->ai_addrlen)
		    || listen(fd, backlog)) {
			saved = errno;
			if (fd != -1)
				close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(list);
	if (fd == -1)	/* with a hint: demo/server_args.c */
		die("bind %s: %s%s", where, strerror(saved),
		    server_bind_hint(saved));
	return fd;
}

/* Send all n bytes back: sock_send_all's loop (lesson 06), but waiting
 * for room with wait_ready(), so that Ctrl-C works even while a client
 * never reads its echo.  Returns 1 when all is sent, 0 if a stop signal
 * came, -1 with errno. */
static int send_back(int fd, const char *buf, size_t n)
{
	ssize_t m;

	while (n > 0) {
		if (!wait_ready(fd, 1))
			return 0;
		m = send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (m == -1 && (errno == EAGAIN || errno == EWOULDBLOCK
				|| errno == EINTR))
			continue;	/* no room after all: wait again */
		if (m <= 0) {
			if (m == 0)
				errno = EIO;	/* no progress: never spin */
			return -1;
		}
		buf += m;
		n -= (size_t)m;
	}
	return 1;
}

/*
 * EXERCISE (done): send back every byte until the client's EOF.  Data is
 * bytes, not a string: send exactly the n bytes recv() returned, NUL
 * bytes and all, with send_back (it loops over short sends, lesson 06,
 * and never raises SIGPIPE).  A client that resets or vanishes ends
 * its own connection: warn and return, the server carries on.
 * Returns the number of bytes echoed.
 */
static unsigned long echo(int fd, const char *who)
{
	char buf[4096];
	unsigned long total = 0;
	ssize_t n;
	int sent;

	while (wait_ready(fd, 0)) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0)
			break;			/* EOF: the client is done */
		if (n == -1) {
			warn("%s: recv:", who);
			break;
		}
		sent = send_back(fd, buf, (size_t)n);
		if (sent == -1)
			warn("%s: send:", who);
		if (sent != 1)
			break;
		total += (unsigned long)n;
	}
	return total;
}

/* accept() failed: the server goes on, unless the fault is its own.
 * ECONNABORTED (the client left before we took it), EINTR, and the
 * network errors of the new connection that Linux reports here
 * (ENETDOWN, EPROTO, EHOSTUNREACH...: accept(2) says to retry) are one
 * client's.  EMFILE, ENFILE, ENOBUFS, ENOMEM: no descriptor or memory
 * now, and the client waits in the queue: say so once, pause, retry. */
static void accept_failed(int *starved)
{
	int err = errno;

	if (err == EBADF || err == EINVAL || err == ENOTSOCK || err == EFAULT)
		die("accept:");		/* a bug of ours: no retry helps */
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;			/* take the next client */
	if (!*starved)
		warn("accept: %s (retrying every 100 ms)", strerror(err));
	*starved = 1;
	stop_pause(100);	/* Ctrl-C still stops the server */
}

/* The notes' loop: accept() a client, echo it, close(), next.  Until a
 * stop signal; then the summary. */
static void serve(int lfd)
{
	struct sockaddr_storage peer;
	socklen_t len;
	char who[SOCK_ADDRSTRLEN];
	unsigned long clients = 0, bytes = 0, n;
	int fd, starved = 0;

	while (wait_ready(lfd, 0)) {
		len = sizeof peer;
		fd = accept(lfd, (struct sockaddr *)&peer, &len);
		if (fd == -1) {
			accept_failed(&starved);
			continue;
		}
		starved = 0;
		sock_addr_str((struct sockaddr *)&peer, who, sizeof who);
		printf("%s connected\n", who);
		n = echo(fd, who);
		printf("%s done: %lu bytes echoed\n", who, n);
		close(fd);
		clients++;
		bytes += n;
	}
	printf("stopped by %s: %lu client%s served, %lu bytes echoed\n",
	       stop_signal() == SIGINT ? "SIGINT" : "SIGTERM", clients,
	       clients == 1 ? "" : "s", bytes);
}

/* No arguments: the server runs in a child process, scripted clients
 * take turns with it, then SIGTERM stops it (demo/echo_demo.c). */
static int demo(void)
{
	char port[8];
	int lfd;

	printf("Lesson 04: an echo server, one client after another.\n\n"
	       "1. The server listens on a port the kernel picks; it runs"
	       " in a child\n   process, and this demo's clients take turns"
	       " with it:\n");
	lfd = open_listener("127.0.0.1", "0", 10);
	snprintf(port, sizeof port, "%d", sock_local_port(lfd));
	printf("listening on 127.0.0.1:%s\n", port);
	if (echo_demo(lfd, port, serve) == -1)	/* serve() in a child */
		die("fork:");
	printf("\nRun it for real:  make lesson-04 ARGS=\"--port 1234\"  and,"
	       " in another\nterminal:  make lesson-03 ARGS=127.0.0.1"
	       "   (Ctrl-C stops the server).\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct server_args a;
	char where[SOCK_ADDRSTRLEN];
	int lfd;

	set_progname(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a log: out line by line */
	if (argc == 1)
		return demo();
	switch (server_args(argc, argv, &a)) {	/* demo/server_args.c */
	case SERVER_HELP:
		usage(stdout);
		return 0;
	case SERVER_USAGE:
		die_usage("%s%s%s%s%s", a.why[0], a.why[1], a.why[2],
			  a.why[3], a.why[4]);
	case SERVER_RUN:
		break;
	}

	stop_signals_catch();
	lfd = open_listener(a.host, a.port, a.backlog);
	if (sock_local_str(lfd, where, sizeof where) == NULL)
		die("getsockname:");
	printf("listening on %s\n", where);
	serve(lfd);
	close(lfd);
	return 0;
}
