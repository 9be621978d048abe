/*
 * reader.c - lesson 05: partial reads, and how to read a whole message.
 *
 *   reader                          the demo: a peer inside this program
 *                                   sends messages in small pieces
 *   reader [HOST [PORT [MESSAGE]]]  send MESSAGE to an echo server and
 *                                   read the echo back with recv_all()
 *
 * recv(fd, buf, n, 0) returns the bytes that have arrived, anything from
 * 1 to n; 0 once the peer has closed; -1 on error.  A reader that needs n
 * bytes calls it until all n are in (recv_all), and so must know n: the
 * demo ends with a length-prefixed message.  Defaults: 127.0.0.1, port
 * 1234 (make lesson-04), "Hello tcp!".  Run `make lesson-05`, then
 * `make lesson-05 SHORTIO=1`: every recv() returns one byte.
 */
#include "demo_peer.h"
#include "die.h"
#include "lesson_args.h"
#include "quote.h"
#include "sock_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char message[] = "Hello tcp! This message travels in pieces.";
/* Any bytes at all, a NUL too: the length, not a terminator, ends it. */
static const char framed[] = "Length first,\0 then exactly that many bytes.";
#define PIECE 10	/* the peer sends this many bytes at a time */
#define EARLY 20	/* step 3: the peer closes after this many */
#define MAX_ECHO 65536	/* the longest MESSAGE */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: reader                          the demo\n"
		"       reader [HOST [PORT [MESSAGE]]]  read an echo back\n"
		"Sends MESSAGE (default \"Hello tcp!\") to the echo server at"
		" HOST (default\n127.0.0.1) on PORT (default 1234) and reads"
		" exactly as many bytes back.\n");
}

/* Say what one recv() returned: n bytes, got of len so far. */
static void show_chunk(ssize_t n, size_t got, size_t len)
{
	if (n == 0)
		printf("  recv() returned 0: the peer closed the"
		       " connection\n");
	else
		printf("  recv() returned %zd byte%s (%zu of %zu)\n", n,
		       n == 1 ? "" : "s", got, len);
}

/*
 * EXERCISE (done): receive exactly len bytes.  recv() returns what has
 * arrived, so call it again for the rest until all len are in.  0 is
 * the end of the stream: stop and say how far we got.  EINTR means a
 * signal came before any byte did: call again.  (common/sock_util.c has
 * the toolkit's copy, sock_recv_all, which later lessons use.)
 * Returns len, or fewer if the peer closed first, or -1 with errno.
 */
static ssize_t recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, p + got, len - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		got += (size_t)n;
		show_chunk(n, got, len);
		if (n == 0)
			break;
	}
	return (ssize_t)got;
}

/* Why recv_all() returned fewer than len bytes, or NULL if it did not.
 * A short count must mean the peer closed: check that it did. */
static const char *shortfall(int fd, ssize_t got, size_t len)
{
	static char why[160];
	ssize_t n;
	char c;

	if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return "no data for 10 s: is the peer stuck?";
	if (got == -1)
		return strerror(errno);
	if ((size_t)got == len)
		return NULL;
	do {	/* would recv() return 0 now, the peer's end of file? */
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == 0)
		snprintf(why, sizeof why, "connection closed after %zd of %zu"
			 " bytes", got, len);
	else
		snprintf(why, sizeof why, "recv_all() stopped at %zd of %zu"
			 " bytes, yet the peer is still there (EXERCISE)", got,
			 len);
	return why;
}

/* Read len bytes into buf with recv_all(); say so if they did not all
 * come.  Returns 1 if they did. */
static int read_whole(int fd, char *buf, size_t len, const char *what)
{
	const char *why = shortfall(fd, recv_all(fd, buf, len), len);

	if (why != NULL)
		printf("  %s%s\n", what, why);
	return why == NULL;
}

/* Step 1: the notes' client, one recv() for a whole message.  (Each
 * step's peer, a child process, sends PIECE bytes at a time, each once
 * we have read the one before: demo/demo_peer.c.) */
static void one_recv(void)
{
	char buf[sizeof message];
	size_t len = sizeof message - 1;
	struct demo_sender peer;
	ssize_t n;

	if (demo_sender(&peer, message, len, PIECE) == -1)
		die("%s:", peer.failed);
	n = recv(peer.fd, buf, len, 0);
	/* Not a C string: quote() shows every byte, a NUL too. */
	if (n == -1)
		printf("  recv() failed: %s\n", strerror(errno));
	else
		printf("  recv(fd, buf, %zu, 0) returned %zd: %s\n", len, n,
		       quote(buf, (size_t)n));
	if (n >= 0 && (size_t)n < len)
		printf("  %zu bytes short: one recv() is not one message\n",
		       len - (size_t)n);
	demo_hang_up(&peer);
}

/* Steps 2 and 3: recv_all() for the message, of which the peer sends
 * the first `sends` bytes only. */
static void whole_message(size_t sends)
{
	char buf[sizeof message];
	size_t len = sizeof message - 1;
	struct demo_sender peer;

	if (demo_sender(&peer, message, sends, PIECE) == -1)
		die("%s:", peer.failed);
	if (read_whole(peer.fd, buf, len, ""))
		printf("  got all %zu bytes: %s\n", len, quote(buf, len));
	demo_hang_up(&peer);
}

/* Step 4: the length (4 bytes, network byte order), then the message. */
static void framed_message(void)
{
	char buf[sizeof framed], packet[4 + sizeof framed - 1];
	uint32_t size = htonl(sizeof framed - 1);
	struct demo_sender peer;

	memcpy(packet, &size, 4);
	memcpy(packet + 4, framed, sizeof framed - 1);
	if (demo_sender(&peer, packet, sizeof packet, PIECE) == -1)
		die("%s:", peer.failed);
	if (read_whole(peer.fd, (char *)&size, 4, "the length: ")) {
		size = ntohl(size);
		printf("  the length says %u bytes follow\n", (unsigned)size);
		if (size > sizeof buf)	/* never trust a length blindly */
			printf("  more than our %zu-byte buffer: refused\n",
			       sizeof buf);
		else if (read_whole(peer.fd, buf, size, ""))
			printf("  got the whole message: %s\n",
			       quote(buf, size));
	}
	demo_hang_up(&peer);
}

static void demo(void)
{
	size_t len = sizeof message - 1;

	printf("Lesson 05: partial reads.  A peer sends a %zu-byte message,"
	       " %d bytes at a time,\neach piece once we have read the one"
	       " before.\n\n", len, PIECE);
	printf("1. One recv() for the whole message, as the notes' client"
	       " does:\n");
	one_recv();
	printf("\n2. recv_all(): recv() again and again until all %zu bytes"
	       " are in:\n", len);
	whole_message(len);
	printf("\n3. A peer that closes after %d bytes: recv() returns 0,"
	       " the end:\n", EARLY);
	whole_message(EARLY);
	printf("\n4. So the reader must know the length.  Send it first: 4"
	       " bytes, big-endian,\n   then the message (any bytes, even"
	       " NUL):\n");
	framed_message();
}

/* Send the message to an echo server and read exactly as many bytes
 * back (the connection: demo/lesson_args.c). */
static void echo_back(struct lesson_args *a)
{
	size_t len = strlen(a->arg);
	static char buf[MAX_ECHO];
	const char *why;
	int fd = lesson_connect(a, "is a server running? try make"
				" lesson-04");

	if (fd == -1)
		die("%s", a->error);
	if (sock_send_all(fd, a->arg, len) == -1)
		die("send %s:", a->where);
	printf("sent %zu bytes to %s; reading them back:\n", len, a->where);
	why = shortfall(fd, recv_all(fd, buf, len), len);
	if (why != NULL)
		die("recv %s: %s", a->where, why);
	printf("got all %zu bytes back: %s\n", len, quote(buf, len));
	close(fd);
}

int main(int argc, char **argv)
{
	struct lesson_args a;
	enum lesson_mode mode;

	set_progname(argv[0]);
	mode = lesson_args(argc, argv, "Hello tcp!", &a);
	if (mode == LESSON_USAGE)
		die_usage("%s", a.error);
	if (mode == LESSON_HELP)
		usage(stdout);
	else if (mode == LESSON_DEMO)
		demo();
	else if (a.arg[0] == '\0')
		die_usage("empty message: there would be nothing to read");
	else if (strlen(a.arg) > MAX_ECHO)
		die_usage("message longer than %d bytes", MAX_ECHO);
	else
		echo_back(&a);
	return 0;
}
