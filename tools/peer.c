/*
 * peer.c - a scriptable TCP peer for the lessons' demos and tests.
 *
 *   peer [--host HOST] [--port PORT] [--life SECONDS] MODE [ARG]
 *
 * It listens (port 0 by default: the kernel picks), prints
 * "listening on HOST:PORT" on stdout at once, then behaves as MODE says
 * for every client, one after another (but for connect, a client):
 *
 *   hold       never accept: connections wait in the accept queue
 *   echo       send back every byte until the client's EOF
 *   close      accept and close at once, reading nothing
 *   short N    echo only the first N bytes, then close (a server that
 *              "closes early"); what else the client sends is drained
 *   check      read one checkable stream (demo/stream.h: a length,
 *              then known bytes) to its end, print the verdict ("got
 *              all 1000 bytes, every one as sent ...") and send it back
 *   requests   answer lesson 10's requests (demo/request_server.h: a
 *              4-byte length, then the body; each gets its length and
 *              checksum back) until the client closes, and print how
 *              it ended ("answered 20 requests", "the connection closed
 *              in the middle of request 1: 5 of 104 bytes")
 *   refuse     only bind, never listen, and say "refusing connections on
 *              HOST:PORT": a connect() there is refused, and no other
 *              socket can take the port meanwhile (as a port freed by a
 *              server that stopped could be, by any connection's end)
 *   connect    the other way round, a client: connect to HOST:PORT, send
 *              what stdin holds, then FIN (shutdown), and copy what
 *              comes back to stdout until the server closes: a byte-exact
 *              echo check needs no socat
 *   confirm, extra N, stall, reset, hangup, miscount
 *              lesson 07's peers (demo/confirm.h): read the request to
 *              its end, then confirm it ("ok N"), or first send N bytes
 *              nobody asked for, or never confirm, reset, close
 *              without a word, confirm a wrong count; one line each
 *   more N     echo the first N bytes, then send N bytes more ("z"):
 *              a client that asked for N gets more than it asked for if
 *              it asks for more; then drain, as short does
 *   cut N      read the client's first N bytes (N <= 4096), send back the
 *              first half of them (N / 2), then close with a reset (RST,
 *              SO_LINGER 0) instead of a FIN: the client, done sending,
 *              gets N / 2 bytes, then ECONNRESET from its next recv()
 *   fin-reset  accept, send a FIN at once (shutdown SHUT_WR), wait for
 *              the client's first bytes, then close with a reset: the
 *              client gets the FIN first and the RST second, every time,
 *              so its next send() fails with EPIPE (and raises SIGPIPE
 *              unless MSG_NOSIGNAL), never ECONNRESET
 *
 * and one mode that is a client, not a server:
 *
 *   fin-rst N  connect to HOST:PORT (--port is needed), send N bytes
 *              ("x"), shutdown(SHUT_WR) (a FIN), then close with a reset
 *              (RST); print "sent N bytes, FIN, RST from HOST:PORT" (our
 *              end) and exit.  To a server that has not yet accepted us,
 *              the connection arrives dead, in that order: its recv()
 *              gets the N bytes, and its send() EPIPE (and SIGPIPE, but
 *              with MSG_NOSIGNAL), every time
 *   flood N    connect to HOST:PORT with a small receive buffer
 *              (SO_RCVBUF 4096, set before connect), say "flooding from
 *              HOST:PORT", send N bytes and never read: an echo server
 *              soon has no room to send, and must wait (until --life)
 *
 * It exits by itself after --life seconds (default 60), so a test that
 * forgets it cannot leave it running for long.
 */
#include "confirm.h"
#include "die.h"
#include "request_server.h"
#include "sock_util.h"
#include "stream.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fprintf(to,
		"usage: peer [--host HOST] [--port PORT] [--life SECONDS] MODE [ARG]\n"
		"modes: hold | echo | close | short N | check | refuse | connect\n"
		"       requests | confirm | extra N | stall | reset | hangup"
		" | miscount\n"
		"       more N | cut N | fin-reset\n"
		"       fin-rst N | flood N (clients of --host and --port)\n");
}

/*
 * A socket bound to host:port that never listens: the kernel answers a
 * SYN there with a RST.  Returns the socket, or -1 with errno (and
 * *gai_err set if the name did not resolve).
 */
static int bind_only(const char *host, const char *port, int *gai_err)
{
	struct addrinfo hints, *ai;
	int fd;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	*gai_err = getaddrinfo(host, port, &hints, &ai);
	if (*gai_err != 0)
		return -1;
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd != -1 && bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/*
 * What a server mode does with each client, one after another: a serve
 * function.  It gets the mode's count N (0 where it takes none); main()
 * closes the connection after it (a FIN, or a RST once reset_on_close()
 * has been called).
 */

/* echo: copy everything back until EOF or an error. */
static void echo_all(int fd, size_t n_unused)
{
	char buf[16384];
	ssize_t n;

	(void)n_unused;
	while ((n = recv(fd, buf, sizeof buf, 0)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (sock_send_all(fd, buf, (size_t)n) == -1)
			break;
	}
}

/* Echo at most limit bytes (fewer if the client closes first). */
static void echo_short_no_fin(int fd, size_t limit)
{
	char buf[4096];
	size_t want;
	ssize_t got;

	while (limit > 0) {
		want = limit < sizeof buf ? limit : sizeof buf;
		got = sock_recv_all(fd, buf, want);
		if (got <= 0 || sock_send_all(fd, buf, (size_t)got) == -1)
			break;
		limit -= (size_t)got;
		if ((size_t)got < want)
			break;
	}
}

/* short: echo at most limit bytes, then say we are done (FIN) and
 * drain. */
static void echo_short(int fd, size_t limit)
{
	char buf[4096];

	echo_short_no_fin(fd, limit);
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;	/* closing with unread data would send a reset */
}

/* requests: answer a client's requests (lesson 10), say how it ended. */
static void requests(int fd, size_t n_unused)
{
	char report[160];

	(void)n_unused;
	sock_set_timeout(fd, 10000);
	request_serve(fd, report, sizeof report);
	printf("%s\n", report);
	fflush(stdout);
}

/* check: check the stream a client sends (lesson 06); say, and send
 * back, how it went.  The bound keeps a client that stops sending from
 * holding the peer forever. */
static void check(int fd, size_t n_unused)
{
	char report[160];

	(void)n_unused;
	sock_set_timeout(fd, 10000);
	stream_check(fd, report, sizeof report);
	printf("%s\n", report);
	fflush(stdout);
	sock_send_all(fd, report, strlen(report));
}

/*
 * The client mode: send everything stdin holds to fd, then say we are
 * done (FIN), and copy what comes back to stdout until the server
 * closes.  Sending and receiving go on together (poll), so an echo of
 * any size cannot fill both ends' buffers and stall.
 */
static void send_stdin(int fd)
{
	char in[16384], back[16384];
	struct pollfd p[2];
	size_t have = 0, sent = 0;
	ssize_t n;
	int eof = 0;

	p[0].events = POLLIN;
	p[1].fd = fd;
	for (;;) {
		/* Read stdin only when what we had is all sent (a negative
		 * fd is left out of the poll). */
		p[0].fd = !eof && sent == have ? STDIN_FILENO : -1;
		p[1].events = POLLIN | (sent < have ? POLLOUT : 0);
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll:");
		}
		if (p[0].revents != 0) {
			n = read(STDIN_FILENO, in, sizeof in);
			if (n == -1 && errno != EINTR)
				die("read stdin:");
			if (n == 0) {
				eof = 1;
				if (shutdown(fd, SHUT_WR) == -1)
					die("shutdown:");
			}
			if (n > 0) {
				have = (size_t)n;
				sent = 0;
			}
		}
		if (sent < have && (p[1].revents & (POLLOUT | POLLERR))) {
			n = send(fd, in + sent, have - sent, MSG_NOSIGNAL);
			if (n == -1 && errno != EINTR)
				die("send:");
			if (n > 0)
				sent += (size_t)n;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, back, sizeof back, 0);
			if (n == 0)
				return;		/* the server closed */
			if (n == -1 && errno != EINTR)
				die("recv:");
			if (n > 0 && fwrite(back, 1, (size_t)n, stdout)
					     != (size_t)n)
				die("write stdout:");
		}
	}
}

/* more: echo the first limit bytes, then as many more of our own, then
 * drain. */
static void echo_more(int fd, size_t limit)
{
	char buf[4096];
	size_t chunk;

	echo_short_no_fin(fd, limit);
	memset(buf, 'z', sizeof buf);
	for (; limit > 0; limit -= chunk) {
		chunk = limit < sizeof buf ? limit : sizeof buf;
		if (sock_send_all(fd, buf, chunk) == -1)
			return;
	}
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
}

/* Make close() send a reset (RST) instead of a FIN: SO_LINGER on, 0 s. */
static void reset_on_close(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* cut: read limit bytes (4096 at most), send back the first half of
 * them, then reset. */
static void echo_reset(int fd, size_t limit)
{
	char buf[4096];
	ssize_t got;

	got = sock_recv_all(fd, buf, limit < sizeof buf ? limit : sizeof buf);
	if (got > 0)
		sock_send_all(fd, buf, (size_t)got / 2);
	reset_on_close(fd);
}

/* fin-reset: a FIN at once, then, once the client has sent something,
 * a RST. */
static void fin_reset(int fd, size_t n_unused)
{
	char c;

	(void)n_unused;
	shutdown(fd, SHUT_WR);
	while (recv(fd, &c, 1, 0) == -1 && errno == EINTR)
		;
	reset_on_close(fd);
}

/* confirm, extra N, stall, reset, hangup, miscount: lesson 07's peers,
 * as confirm_how says; one line each. */
static enum confirm_how confirm_how;

static void confirm(int fd, size_t extra)
{
	char said[160];

	confirm_serve(fd, confirm_how, extra, said, sizeof said);
	printf("%s\n", said);
	fflush(stdout);
}

/*
 * The modes that are not servers of one client after another: each runs
 * once, and its return value is the exit status.
 */

/* connect: a client that sends stdin and copies the answer to stdout. */
static int connect_mode(const char *host, const char *port, size_t n)
{
	int fd, gai_err;

	(void)n;
	fd = sock_connect(host, port, 10000, &gai_err);
	if (fd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (fd == -1)
		die("connect %s:%s:", host, port);
	send_stdin(fd);
	close(fd);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* refuse: bound, never listening, until SIGALRM. */
static int refuse(const char *host, const char *port, size_t n)
{
	char where[SOCK_ADDRSTRLEN];
	int lfd, gai_err;

	(void)n;
	lfd = bind_only(host, port, &gai_err);
	if (lfd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (lfd == -1)
		die("bind %s:%s:", host, port);
	if (sock_local_str(lfd, where, sizeof where) == NULL)
		die("getsockname:");
	printf("refusing connections on %s\n", where);
	fflush(stdout);
	for (;;)
		pause();
}

/* fin-rst: a client that sends N bytes, a FIN, then a RST. */
static int fin_rst(const char *host, const char *port, size_t n)
{
	char buf[4096], where[SOCK_ADDRSTRLEN];
	size_t chunk, left;
	int fd, gai_err;

	fd = sock_connect(host, port, 10000, &gai_err);
	if (fd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (fd == -1)
		die("connect %s:%s:", host, port);
	memset(buf, 'x', sizeof buf);
	for (left = n; left > 0; left -= chunk) {
		chunk = left < sizeof buf ? left : sizeof buf;
		if (sock_send_all(fd, buf, chunk) == -1)
			die("send:");
	}
	if (shutdown(fd, SHUT_WR) == -1)
		die("shutdown:");
	if (sock_local_str(fd, where, sizeof where) == NULL)
		die("getsockname:");
	reset_on_close(fd);
	close(fd);
	printf("sent %zu bytes, FIN, RST from %s\n", n, where);
	return 0;
}

/* flood: a client with a small receive buffer that sends N bytes and
 * reads none. */
static int flood(const char *host, const char *port, size_t n)
{
	struct addrinfo hints, *ai;
	char buf[4096], where[SOCK_ADDRSTRLEN];
	size_t chunk, left;
	int fd, err, size = 4096;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err != 0)
		die("%s: %s", host, gai_strerror(err));
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
				   sizeof size) == -1
	    || connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		die("connect %s:%s:", host, port);
	freeaddrinfo(ai);
	if (sock_local_str(fd, where, sizeof where) == NULL)
		die("getsockname:");
	printf("flooding from %s\n", where);
	fflush(stdout);
	memset(buf, 'y', sizeof buf);
	for (left = n; left > 0; left -= chunk) {
		chunk = left < sizeof buf ? left : sizeof buf;
		if (sock_send_all(fd, buf, chunk) == -1)
			die("send:");
	}
	for (;;)
		pause();
}

/*
 * The modes.  A server mode listens, then gives each client in turn to
 * serve (NULL: closes it at once), or never accepts (HOLD); run is a mode
 * that is not such a server, and runs once.
 */
enum { COUNTED = 1, HOLD = 2, NEEDS_PORT = 4 };

struct mode {
	const char *name;
	unsigned flags;		/* COUNTED: takes a count N */
	void (*serve)(int fd, size_t n);
	int (*run)(const char *host, const char *port, size_t n);
};

static const struct mode modes[] = {
	{ "hold",      HOLD,                 NULL,       NULL },
	{ "echo",      0,                    echo_all,   NULL },
	{ "close",     0,                    NULL,       NULL },
	{ "short",     COUNTED,              echo_short, NULL },
	{ "check",     0,                    check,      NULL },
	{ "requests",  0,                    requests,   NULL },
	{ "more",      COUNTED,              echo_more,  NULL },
	{ "cut",       COUNTED,              echo_reset, NULL },
	{ "fin-reset", 0,                    fin_reset,  NULL },
	{ "refuse",    0,                    NULL,       refuse },
	{ "connect",   0,                    NULL,       connect_mode },
	{ "fin-rst",   COUNTED | NEEDS_PORT, NULL,       fin_rst },
	{ "flood",     COUNTED | NEEDS_PORT, NULL,       flood },
};

/* The mode called name, or NULL.  Lesson 07's modes are demo/confirm.c's
 * names: one entry serves them all, as confirm_how says. */
static const struct mode *find_mode(const char *name)
{
	static struct mode confirming = { "confirm", 0, confirm, NULL };
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	if (confirm_mode(name, &confirm_how) == -1)
		return NULL;
	confirming.flags = confirm_how == CONFIRM_EXTRA ? COUNTED : 0;
	return &confirming;
}

static unsigned long parse_count(const char *text)
{
	unsigned long n;

	if (sock_parse_uint(text, ULONG_MAX, &n) == -1)
		die_usage("bad count '%s'", text);
	return n;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "0", *name = NULL;
	const char *arg = NULL;
	const struct mode *m;
	unsigned long life = 60;
	size_t count = 0;
	char where[SOCK_ADDRSTRLEN];
	int lfd, fd, gai_err, i;

	set_progname(argv[0]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
			host = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			port = argv[++i];
		} else if (strcmp(argv[i], "--life") == 0 && i + 1 < argc) {
			life = parse_count(argv[++i]);
			if (life == 0 || life > 86400)	/* alarm(0): forever */
				die_usage("--life: 1 to 86400 seconds");
		} else if (name == NULL) {
			name = argv[i];
		} else if (arg == NULL) {
			arg = argv[i];
		} else {
			die_usage("unexpected argument '%s'", argv[i]);
		}
	}
	/* All before the "listening on" line, which tells tests we are
	 * ready. */
	if (name == NULL)
		die_usage("no mode given (hold, echo, close, short N, check, refuse,"
			  " connect, requests, confirm, extra N, stall, reset,"
			  " hangup, miscount, more N, cut N, fin-reset, fin-rst N,"
			  " flood N)");
	m = find_mode(name);
	if (m == NULL)
		die_usage("unknown mode '%s'", name);
	if (m->flags & COUNTED) {
		if (arg == NULL)
			die_usage("%s needs a byte count", name);
		count = parse_count(arg);
	}
	if ((m->flags & NEEDS_PORT) && strcmp(port, "0") == 0)
		die_usage("%s needs --port", name);

	alarm((unsigned)life);	/* SIGALRM ends us: never outlive a test */
	if (m->run != NULL)
		return m->run(host, port, count);
	lfd = sock_listen(host, port, 16, &gai_err);
	if (lfd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (lfd == -1)
		die("listen %s:%s:", host, port);
	if (sock_local_str(lfd, where, sizeof where) == NULL)
		die("getsockname:");
	printf("listening on %s\n", where);
	fflush(stdout);

	if (m->flags & HOLD) {
		for (;;)
			pause();
	}
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept:");
		}
		if (m->serve != NULL)
			m->serve(fd, count);
		close(fd);
	}
}
