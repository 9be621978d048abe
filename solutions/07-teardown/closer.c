/*
 * closer.c - lesson 07: closing a connection without losing data.
 *
 *   closer                           the demo: four steps, then it ends
 *   closer [HOST [PORT [MESSAGE]]]   send MESSAGE to a peer that confirms
 *                                    it: `peer --port 1234 confirm`
 *
 * send() returning means our kernel has the bytes, nothing more; TCP's
 * acknowledgements are between kernels.  Only an answer from the other
 * program says it got them.  So a client sends its request, ends it
 * with shutdown(SHUT_WR) (a FIN: "no more from us"), reads the peer's
 * reply to its end (EOF) within a bound of time and bytes, and only
 * then close()s: the orderly close.  It reports success only when the
 * peer has confirmed, "ok N".  Defaults: 127.0.0.1, port 1234,
 * "Hello tcp!".  Run `make lesson-07`.
 */
#include "confirm.h"
#include "die.h"
#include "lesson_args.h"
#include "loopback.h"
#include "sock_util.h"
#include "tcp_watch.h"
#include "teardown_demo.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONFIRM_MS 2000		/* how long finish() waits for the end */
#define READ_LIMIT (1 << 20)	/* how much of the peer's reply it reads */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: closer                           the demo\n"
		"       closer [HOST [PORT [MESSAGE]]]   send MESSAGE, wait"
		" for the confirmation\n"
		"Sends MESSAGE (default \"Hello tcp!\") to HOST (default"
		" 127.0.0.1) on PORT\n(default 1234), ends it with a FIN and"
		" succeeds only when the peer confirms\nit (\"ok N\"), such"
		" as build/tools/peer --port 1234 confirm\n");
}

/* Milliseconds of a clock that never jumps (CLOCK_MONOTONIC). */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * EXERCISE (done): the orderly close, and the peer's confirmation.
 * shutdown(SHUT_WR) sends our FIN and keeps the reading side open; we
 * read everything the peer sends until its end (recv() returns 0), or
 * until the bounds (CONFIRM_MS in all, READ_LIMIT bytes); then close():
 * nothing unread is left, so the close is a FIN, never a RST.  The
 * peer's last line must be "ok N", N the bytes we sent.
 */
static int finish(int fd, size_t sent, char *reply, size_t size)
{
	static char in[READ_LIMIT];
	long long deadline = now_ms() + CONFIRM_MS;
	char expect[32];
	size_t got = 0, start, end;
	ssize_t n = 1;
	int ret = -1, saved;

	if (shutdown(fd, SHUT_WR) == -1)
		goto out;
	while (n != 0) {
		if (now_ms() >= deadline
		    || sock_wait(fd, POLLIN, (int)(deadline - now_ms())) == 0) {
			errno = ETIMEDOUT;	/* no end within the bound */
			goto out;
		}
		if (got == sizeof in) {
			errno = EMSGSIZE;	/* more than we ever read */
			goto out;
		}
		n = recv(fd, in + got, sizeof in - got, 0);
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			goto out;
		if (n > 0)
			got += (size_t)n;
	}
	/* The peer's end: its last line is the confirmation. */
	end = got > 0 && in[got - 1] == '\n' ? got - 1 : got;
	for (start = end; start > 0 && in[start - 1] != '\n'; start--)
		;
	snprintf(reply, size, "%.*s", (int)(end - start), in + start);
	snprintf(expect, sizeof expect, "ok %zu", sent);
	errno = EPROTO;		/* an end, but no (right) confirmation */
	if (strcmp(reply, expect) == 0)
		ret = 0;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* What a failed finish() means, from its errno. */
static const char *not_confirmed(int err)
{
	switch (err) {
	case ECONNRESET:
		return "the peer reset the connection: no confirmation";
	case ETIMEDOUT:
		return "no confirmation within 2 s";
	case EMSGSIZE:
		return "the peer sent more than 1048576 bytes and no end";
	case EPROTO:
		return "the peer closed without confirming";
	default:
		return strerror(err);
	}
}

/* Step 2: a request ended by our FIN; the peer reads to its end, and
 * can still answer. */
static void half_close(void)
{
	char buf[64], ok[16];
	size_t got = 0;
	ssize_t n;
	int fds[2], i;

	if (loopback_pair(fds, 0, 0) == -1)
		die("loopback connection:");
	sock_send_all(fds[0], "request", 7);
	shutdown(fds[0], SHUT_WR);
	while ((n = recv(fds[1], buf, sizeof buf, 0)) > 0)
		got += (size_t)n;
	printf("  sent 7 bytes and shutdown(SHUT_WR); the peer's recv()"
	       " returned %zd\n  after %zu bytes: the end of the request."
	       "  Our end is now ", n, got);
	for (i = 0; i < 1000 && strcmp(sock_tcp_state(fds[0]), "FIN_WAIT2");
	     i++)
		poll(NULL, 0, 1);	/* until our FIN's ACK is in */
	printf("%s:\n  %s\n", sock_tcp_state(fds[0]),
	       tcp_state_meaning(sock_tcp_state(fds[0])));
	n = snprintf(ok, sizeof ok, "ok %zu\n", got);
	sock_send_all(fds[1], ok, (size_t)n);
	close(fds[1]);
	printf("  peer: it can still answer: send(\"ok %zu\\n\"), then"
	       " close()\n", got);
	n = sock_recv_all(fds[0], buf, sizeof buf);
	printf("  we read the reply to its end: %zd bytes, \"%.*s\", then"
	       " recv() returned 0\n", n, n > 1 ? (int)n - 1 : 0, buf);
	close(fds[0]);
}

/* Step 4: finish() against four peers (demo/confirm.c). */
static void orderly(void)
{
	static const struct {
		enum confirm_how how;
		const char *what;
	} peers[] = {
		{ CONFIRM_EXTRA, "first sends 100000 bytes we did not ask for" },
		{ CONFIRM_RESET, "resets instead of confirming" },
		{ CONFIRM_HANGUP, "closes without confirming" },
		{ CONFIRM_STALL, "says \"wait\" and never confirms" },
	};
	struct confirm_peer p;
	char reply[64] = "";
	size_t i;
	int fds[2];

	for (i = 0; i < sizeof peers / sizeof peers[0]; i++) {
		if (loopback_pair(fds, 0, 0) == -1
		    || confirm_peer(&p, fds, peers[i].how, 100000) == -1)
			die("peer:");
		printf("  a peer that %s:\n", peers[i].what);
		sock_send_all(fds[0], "Hello tcp!", 10);
		if (finish(fds[0], 10, reply, sizeof reply) == 0)
			printf("    finish(): delivered: the peer confirmed"
			       " \"%s\"\n", reply);
		else
			printf("    finish(): %s\n", not_confirmed(errno));
		printf("    peer: %s\n", confirm_peer_wait(&p));
	}
}

static void demo(void)
{
	printf("Lesson 07: closing a connection without losing data.\n\n"
	       "1. send() is not delivery.  A peer that never reads; we"
	       " send it 20000 bytes:\n");
	teardown_acked_not_read();	/* demo/teardown_demo.c */
	printf("\n2. The half-close: a request ended by shutdown(SHUT_WR),"
	       " a FIN:\n");
	half_close();
	printf("\n3. close() with unread data sends a RST, not a FIN:\n");
	teardown_resets();
	printf("\n4. The orderly close, finish(): shutdown(SHUT_WR), read to"
	       " the peer's end\n   (2 s and 1 MiB at most), close(); we"
	       " send \"Hello tcp!\" to four peers:\n");
	orderly();
}

/* Send the message, then finish(): success only once it is confirmed. */
static void deliver(struct lesson_args *a)
{
	char reply[64] = "";
	size_t len = strlen(a->arg);
	int fd = lesson_connect(a, "is a peer running? try"
				" build/tools/peer --port %s confirm");

	if (fd == -1)
		die("%s", a->error);
	if (sock_send_all(fd, a->arg, len) == -1)
		die("send %s:", a->where);
	printf("sent %zu bytes to %s\n", len, a->where);
	if (finish(fd, len, reply, sizeof reply) == 0)
		printf("delivered: the peer confirmed \"%s\"\n", reply);
	else if (errno == EPROTO)
		die("%s: %s (its last line: \"%s\")", a->where,
		    not_confirmed(errno), reply);
	else
		die("%s: %s", a->where, not_confirmed(errno));
}

int main(int argc, char **argv)
{
	struct lesson_args a;
	enum lesson_mode mode;

	set_progname(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = lesson_args(argc, argv, "Hello tcp!", &a);
	if (mode == LESSON_USAGE)
		die_usage("%s", a.error);
	if (mode == LESSON_HELP)
		usage(stdout);
	else if (mode == LESSON_DEMO)
		demo();
	else
		deliver(&a);
	return 0;
}
