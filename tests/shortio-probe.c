/*
 * shortio-probe.c - what tests/shortio.bats runs under tools/shortio.so.
 *
 *   shortio-probe calls FILE LEN   one call of each kind, LEN bytes each
 *   shortio-probe transfer LEN     send LEN bytes, receive them, check
 *   shortio-probe nonblock WAY LEN the same on non-blocking sockets, where
 *                                  EAGAIN is met by WAY: poll (poll(),
 *                                  then call again), select (the same
 *                                  with select()) or spin (call again
 *                                  at once: a busy loop)
 *
 * "calls" prints one line per call, "NAME COUNT" (or "NAME EINTR"): the
 * socket calls of a TCP connection over loopback (recv, read, recvfrom,
 * recvmsg, readv, send, write, sendto, sendmsg, writev, with MSG_WAITALL
 * and with zero length), then calls the shim must leave alone: a UDP
 * socket, a pipe and the file FILE.  The reading end has 16 * LEN bytes
 * waiting, so without the shim every count is LEN (at most 1024).
 *
 * LEN comes from the command line on purpose: built with -O2
 * -D_FORTIFY_SOURCE=2, a length the compiler cannot see makes glibc call
 * __recv_chk, __read_chk and __recvfrom_chk instead of recv, read and
 * recvfrom, and those must be shortened too.
 *
 * "transfer" sends LEN (at most 65536) bytes with a send() loop, waits
 * until they are all in the receiving socket, receives them with a
 * recv() loop, both loops retrying EINTR, and prints whether they
 * arrived intact, how many calls failed with EINTR and the sizes of the
 * first 20 recv() calls.
 */
#define _GNU_SOURCE	/* syscall(): fill a socket behind the shim's back */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_LEN  65536	/* a transfer fits in the socket buffers */
#define CALL_LEN 1024

static char buf[16 * MAX_LEN];

static void fail(const char *what)
{
	fprintf(stderr, "shortio-probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A connected pair of sockets of the given type over 127.0.0.1. */
static void loopback_pair(int type, int fds[2])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int lfd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1
	    || getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		fail("bind");
	fds[0] = socket(AF_INET, type, 0);
	if (type == SOCK_STREAM && listen(lfd, 1) == -1)
		fail("listen");
	if (fds[0] == -1
	    || connect(fds[0], (struct sockaddr *)&sin, sizeof sin) == -1)
		fail("connect");
	if (type == SOCK_DGRAM) {
		/* Connect the "listener" back, for a datagram pair. */
		if (getsockname(fds[0], (struct sockaddr *)&sin, &len) == -1
		    || connect(lfd, (struct sockaddr *)&sin, sizeof sin) == -1)
			fail("connect back");
		fds[1] = lfd;
		return;
	}
	fds[1] = accept(lfd, NULL, NULL);
	if (fds[1] == -1)
		fail("accept");
	close(lfd);
}

static void show(const char *name, ssize_t n)
{
	if (n >= 0)
		printf("%s %zd\n", name, n);
	else if (errno == EINTR)
		printf("%s EINTR\n", name);
	else
		printf("%s error: %s\n", name, strerror(errno));
}

static void probe_calls(const char *file, size_t len)
{
	struct iovec iov[2] = { { buf, len / 2 }, { buf + len, len - len / 2 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	char small[CALL_LEN];	/* known size: fortified calls check it */
	int tcp[2], udp[2], pipefd[2];
	int fd;

	loopback_pair(SOCK_STREAM, tcp);
	loopback_pair(SOCK_DGRAM, udp);
	if (pipe(pipefd) == -1)
		fail("pipe");
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		fail(file);

	/* A raw system call, which the shim cannot see, fills the queue. */
	if (syscall(SYS_write, tcp[1], buf, 16 * len) != (long)(16 * len))
		fail("fill");
	show("recv-waitall-peek",
	     recv(tcp[0], buf, 16 * len, MSG_WAITALL | MSG_PEEK));
	show("recv", recv(tcp[0], small, len, 0));
	show("read", read(tcp[0], small, len));
	show("recvfrom", recvfrom(tcp[0], small, len, 0, NULL, NULL));
	show("recvmsg", recvmsg(tcp[0], &msg, 0));
	show("readv", readv(tcp[0], iov, 2));
	show("recv-waitall", recv(tcp[0], small, len, MSG_WAITALL));
	show("recv-zero", recv(tcp[0], small, 0, 0));

	show("send", send(tcp[0], buf, len, 0));
	show("write", write(tcp[0], buf, len));
	show("sendto", sendto(tcp[0], buf, len, 0, NULL, 0));
	show("sendmsg", sendmsg(tcp[0], &msg, 0));
	show("writev", writev(tcp[0], iov, 2));
	show("send-zero", send(tcp[0], buf, 0, 0));

	show("udp-send", send(udp[0], buf, len, 0));
	show("udp-recv", recv(udp[1], small, len, 0));
	show("pipe-write", write(pipefd[1], buf, len));
	show("pipe-read", read(pipefd[0], small, len));
	show("file-write", write(fd, buf, len));
	if (lseek(fd, 0, SEEK_SET) == -1)
		fail("lseek");
	show("file-read", read(fd, small, len));

	close(tcp[0]);
	close(tcp[1]);
	close(udp[0]);
	close(udp[1]);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

/*
 * Wait (up to a second) until fd has len bytes to read.  Only then does
 * every recv() get all the shim allows, never less because a segment is
 * still on its way: the sizes depend on the seed alone, not on timing.
 */
static void wait_queued(int fd, size_t len)
{
	int queued = 0, tries;

	for (tries = 0; tries < 1000; tries++) {
		if (ioctl(fd, FIONREAD, &queued) == -1)
			fail("ioctl FIONREAD");
		if ((size_t)queued >= len)
			return;
		poll(NULL, 0, 1);
	}
	errno = ETIMEDOUT;
	fail("waiting for the bytes sent");
}

static void probe_transfer(size_t len)
{
	static char in[MAX_LEN];
	size_t sent = 0, got = 0, i;
	unsigned long sends = 0, recvs = 0, eintr = 0;
	int tcp[2];
	ssize_t n;

	for (i = 0; i < len; i++)
		buf[i] = (char)(i % 251);
	loopback_pair(SOCK_STREAM, tcp);
	while (sent < len) {
		n = send(tcp[1], buf + sent, len - sent, 0);
		if (n == -1 && errno == EINTR)
			eintr++;
		else if (n <= 0)
			fail("send");
		else {
			sent += (size_t)n;
			sends++;
		}
	}
	wait_queued(tcp[0], len);
	printf("recv sizes:");
	while (got < len) {
		n = recv(tcp[0], in + got, len - got, 0);
		if (n == -1 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (n <= 0)
			fail("recv");
		if (recvs++ < 20)
			printf(" %zd", n);
		got += (size_t)n;
	}
	printf("\nsent %zu bytes in %lu calls\n", sent, sends);
	printf("received %zu bytes in %lu calls\n", got, recvs);
	printf("intact %s\n", memcmp(buf, in, len) == 0 ? "yes" : "no");
	printf("eintr %lu\n", eintr);
	close(tcp[0]);
	close(tcp[1]);
}

/* Wait (a second at most) until fd is ready for events, the WAY way:
 * poll or select; spin does not wait. */
static void wait_for(const char *way, int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	struct timeval tv = { .tv_sec = 1 };
	fd_set set;

	if (strcmp(way, "poll") == 0) {
		if (poll(&pfd, 1, 1000) != 1)
			fail("poll");
	} else if (strcmp(way, "select") == 0) {
		FD_ZERO(&set);
		FD_SET(fd, &set);
		if (select(fd + 1, events == POLLIN ? &set : NULL,
			   events == POLLOUT ? &set : NULL, NULL, &tv) != 1)
			fail("select");
	}
}

static void probe_nonblock(const char *way, size_t len)
{
	static char in[MAX_LEN];
	size_t sent = 0, got = 0, i;
	unsigned long eagain = 0;
	int tcp[2];
	ssize_t n;

	for (i = 0; i < len; i++)
		buf[i] = (char)(i % 251);
	loopback_pair(SOCK_STREAM, tcp);
	for (i = 0; i < 2; i++)
		if (fcntl(tcp[i], F_SETFL, fcntl(tcp[i], F_GETFL) | O_NONBLOCK)
		    == -1)
			fail("fcntl");
	while (sent < len) {
		n = send(tcp[1], buf + sent, len - sent, 0);
		if (n == -1 && errno == EAGAIN) {
			eagain++;
			wait_for(way, tcp[1], POLLOUT);
		} else if (n <= 0) {
			fail("send");
		} else {
			sent += (size_t)n;
		}
	}
	wait_queued(tcp[0], len);
	while (got < len) {
		n = recv(tcp[0], in + got, len - got, 0);
		if (n == -1 && errno == EAGAIN) {
			eagain++;
			wait_for(way, tcp[0], POLLIN);
		} else if (n <= 0) {
			fail("recv");
		} else {
			got += (size_t)n;
		}
	}
	printf("sent %zu, received %zu\n", sent, got);
	printf("intact %s\n", memcmp(buf, in, len) == 0 ? "yes" : "no");
	printf("eagain %lu\n", eagain);
	close(tcp[0]);
	close(tcp[1]);
}

int main(int argc, char **argv)
{
	size_t len = argc > 2 ? strtoul(argv[argc - 1], NULL, 10) : 0;

	if (argc == 4 && strcmp(argv[1], "calls") == 0 && len > 0
	    && len <= CALL_LEN)
		probe_calls(argv[2], len);
	else if (argc == 3 && strcmp(argv[1], "transfer") == 0 && len > 0
		 && len <= MAX_LEN)
		probe_transfer(len);
	else if (argc == 4 && strcmp(argv[1], "nonblock") == 0 && len > 0
		 && len <= MAX_LEN
		 && (strcmp(argv[2], "poll") == 0
		     || strcmp(argv[2], "select") == 0
		     || strcmp(argv[2], "spin") == 0))
		probe_nonblock(argv[2], len);
	else {
		fprintf(stderr, "usage: shortio-probe calls FILE LEN (1..%d) | "
				"transfer LEN (1..%d) | nonblock poll|select|spin"
				" LEN\n", CALL_LEN, MAX_LEN);
		return 2;
	}
	return 0;
}
