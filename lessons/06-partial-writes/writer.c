/*
 * writer.c - lesson 06: partial writes, flow control and SIGPIPE.
 *
 *   writer                        the demo: a receiver inside this program
 *   writer [HOST [PORT [BYTES]]]  send BYTES bytes to a receiver that
 *                                 checks them: `peer --port 1234 check`
 *
 * send(fd, buf, n, 0) copies into the kernel's send buffer what fits and
 * returns how much that was.  When the receiver does not read, its window
 * closes, our buffer fills, and a blocking send() waits while a
 * non-blocking one returns a short count, then fails with EAGAIN.  So a
 * writer calls send() until all n bytes are out: send_all().  What goes
 * is a stream the receiver can check (demo/stream.h).  Defaults:
 * 127.0.0.1, port 1234, 1000000 bytes.  Run `make lesson-06`.
 */
#include "demo_peer.h"
#include "die.h"
#include "lesson_args.h"
#include "loopback.h"
#include "sigcount.h"
#include "sock_util.h"
#include "stream_send.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DEMO_BYTES (256 * 1024)
#define BUFFER	   16384	/* the demo's SO_RCVBUF and SO_SNDBUF */
#define READ_FIRST 65536	/* step 3: the receiver reads this, closes */

static unsigned char data[4 + DEMO_BYTES];

static void usage(FILE *to)
{
	fprintf(to,
		"usage: writer                        the demo\n"
		"       writer [HOST [PORT [BYTES]]]  send BYTES bytes\n"
		"Sends BYTES (default 1000000) checkable bytes to HOST"
		" (default 127.0.0.1) on\nPORT (default 1234), where a"
		" receiver checks them, such as\n"
		"build/tools/peer --port 1234 check\n");
}

/*
 * EXERCISE: send all len bytes.  This is the notes' first try: one
 * send(), hoping it takes everything, its count ignored.  send() takes
 * what fits in the send buffer and returns how much that was; the rest
 * is lost, and nobody knows (step 2 of `make lesson-06` shows it).
 * Make it send the rest, again and again, until all len bytes are out:
 *   - n > 0 bytes went: go on from there;
 *   - -1 with EAGAIN or EWOULDBLOCK (a non-blocking socket whose buffer
 *     is full): wait for room with sock_wait(fd, POLLOUT, 10000), which
 *     calls poll(2); no room within 10 s: return -1 with ETIMEDOUT;
 *   - -1 with EINTR: call again; any other -1: return -1;
 *   - 0 (it cannot happen for len > 0, but would loop forever): EIO.
 * Keep MSG_NOSIGNAL: without it a send() to a closed peer kills the
 * program with SIGPIPE (step 3 shows that signal).
 * Returns len, or -1 with errno.  (common/sock_util.c has the toolkit's
 * copy, sock_send_all, which later lessons use: write yours first.)
 */
static ssize_t send_all(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) == -1)
		return -1;
	return (ssize_t)len;	/* hoping it all went */
}

/* The same send() without MSG_NOSIGNAL: the kernel raises SIGPIPE, whose
 * default action ends the process.  We catch it (sigcount.c), to show it. */
static void show_sigpipe(int fd)
{
	sigcount_start(SIGPIPE);
	/* The first send() may report the reset (ECONNRESET); the next one
	 * on the dead connection is EPIPE, and SIGPIPE. */
	while (sigcount() == 0 && send(fd, "x", 1, 0) == -1
	       && (errno == EINTR || errno == ECONNRESET))
		;
	if (sigcount_stop(SIGPIPE) > 0)
		printf("  and a send() without MSG_NOSIGNAL: SIGPIPE, which"
		       " kills a program\n  that does not catch or ignore it"
		       " (we caught it, to show you)\n");
	else
		printf("  and a send() without MSG_NOSIGNAL: no SIGPIPE?\n");
}

/* Step 1: a receiver that is not reading, and a non-blocking send(). */
static size_t fill_up(int fds[2])
{
	size_t len = sizeof data, sent = 0;
	int unsent = 0, unread = 0, err;
	ssize_t n;

	sock_set_nonblock(fds[0], 1);
	n = send(fds[0], data, len, MSG_NOSIGNAL);
	sent = n > 0 ? (size_t)n : 0;
	printf("  send() took %zu of %zu bytes: the rest did not fit\n", sent,
	       len);
	while ((n = send(fds[0], data + sent, len - sent, MSG_NOSIGNAL)) > 0)
		sent += (size_t)n;
	err = errno;
	ioctl(fds[1], SIOCINQ, &unread);
	ioctl(fds[0], SIOCOUTQNSD, &unsent);
	printf("  send() again until it fails: %s%s\n  %zu bytes are in: %d"
	       " unread in the receiver's queue, %d not even sent\n  from"
	       " ours: the receiver's window is closed\n", strerror(err),
	       err == EAGAIN ? " (EAGAIN)" : "", sent, unread, unsent);
	return sent;
}

/* Step 2: the receiver (a child process, demo/demo_peer.c) reads and
 * checks the whole stream; send_all() does the rest. */
static void send_rest(int fds[2], size_t sent)
{
	struct demo_receiver r;

	if (demo_receiver(&r, fds, 0) == -1)
		die("%s:", r.failed);
	if (send_all(fds[0], data + sent, sizeof data - sent) == -1)
		printf("  send_all(): %s\n", strerror(errno));
	else
		printf("  send_all() sent the other %zu bytes\n",
		       sizeof data - sent);
	close(fds[0]);	/* the end of the stream: the receiver reports */
	printf("  receiver: %s\n", demo_receiver_wait(&r));
}

/* Step 3: a receiver that goes away in the middle. */
static void early_close(void)
{
	struct demo_receiver r;
	int fds[2], err;
	ssize_t n;

	if (loopback_pair(fds, BUFFER, BUFFER) == -1)
		die("loopback connection:");
	/* It closes with our bytes unread: the kernel resets (RST). */
	if (demo_receiver(&r, fds, READ_FIRST) == -1)
		die("%s:", r.failed);
	n = send_all(fds[0], data, sizeof data);
	err = errno;
	shutdown(fds[0], SHUT_WR);	/* a receiver still waiting stops */
	printf("  receiver: %s\n", demo_receiver_wait(&r));
	if (n == -1)
		printf("  send_all(): %s: the receiver is gone,\n  an error we"
		       " can report (writer HOST PORT exits 1)\n",
		       strerror(err));
	else
		printf("  send_all() says all %zd bytes went, yet the receiver"
		       " closed before\n  reading them (see the EXERCISE in"
		       " writer.c)\n", n);
	show_sigpipe(fds[0]);
	close(fds[0]);
}

static void demo(void)
{
	int fds[2], size = 0;
	socklen_t optlen = sizeof size;
	size_t sent;

	stream_make(data, DEMO_BYTES);	/* what the receiver can check */
	/* Small buffers at both ends: see loopback_pair() for why the
	 * sizes are set before listen() and connect(). */
	if (loopback_pair(fds, BUFFER, BUFFER) == -1)
		die("loopback connection:");
	getsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &size, &optlen);
	printf("Lesson 06: partial writes.  The receiver's SO_RCVBUF is %d"
	       " bytes (we asked\nfor %d; the kernel doubles it for its"
	       " bookkeeping), our SO_SNDBUF as small.\n\n", size, BUFFER);
	printf("1. One send() of %zu bytes, non-blocking, to a receiver that"
	       " is not reading:\n", sizeof data);
	sent = fill_up(fds);
	printf("\n2. The receiver starts reading; send_all() sends the rest,"
	       " waiting with\n   poll() whenever there is no room:\n");
	send_rest(fds, sent);
	printf("\n3. A receiver that reads %d bytes, then closes; we send"
	       " %zu:\n", READ_FIRST, sizeof data);
	early_close();
}

/* Send the stream with send_all() (demo/stream_send.c), end it
 * (shutdown: the receiver sees its end), then read the verdict the
 * receiver sends back (`peer check` does): sent is not received. */
static void send_stream(struct lesson_args *a, uint32_t bytes)
{
	char verdict[160];
	uint32_t sum;
	ssize_t got;
	int fd = lesson_connect(a, "is a receiver running? try"
				" build/tools/peer --port %s check");

	if (fd == -1)
		die("%s", a->error);
	if (stream_send(fd, bytes, send_all, &sum) == -1)
		die("%s", stream_send_why(a->where, errno));
	printf("sent %u bytes to %s (checksum %08x)\n", (unsigned)bytes,
	       a->where, (unsigned)sum);
	shutdown(fd, SHUT_WR);
	got = stream_verdict(fd, verdict, sizeof verdict);
	if (got == -1)
		die("recv %s: no verdict:", a->where);
	close(fd);
	if (got == 0)
		printf("no verdict from the receiver (it is not peer"
		       " check?)\n");
	else if (strncmp(verdict, "got all ", 8) != 0)
		die("the receiver: %s", verdict);
	else
		printf("the receiver: %s\n", verdict);
}

int main(int argc, char **argv)
{
	struct lesson_args a;
	enum lesson_mode mode;
	uint32_t bytes;

	set_progname(argv[0]);
	mode = lesson_args(argc, argv, "1000000", &a);
	if (mode == LESSON_USAGE)
		die_usage("%s", a.error);
	if (mode == LESSON_HELP)
		usage(stdout);
	else if (mode == LESSON_DEMO)
		demo();
	else if (lesson_count(a.arg, &bytes) == -1)
		die_usage("bad byte count '%s': a number from 0 to %lu",
			  a.arg, (unsigned long)UINT32_MAX);
	else
		send_stream(&a, bytes);
	return 0;
}
