/*
 * loopback.c - a connection to ourselves, and a peer that sends in
 * pieces.  See loopback.h: nothing here prints or exits (but the child
 * that loopback_dribble forks, which ends with _exit).
 */
#include "loopback.h"
#include "sock_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket() with a buffer size set first (0: the default). */
static int socket_sized(int option, int size)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd != -1 && size > 0
	    && setsockopt(fd, SOL_SOCKET, option, &size, sizeof size) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int loopback_pair(int fds[2], int rcvbuf, int sndbuf)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int lfd, saved;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);	/* port 0: any */
	fds[0] = fds[1] = -1;
	lfd = socket_sized(SO_RCVBUF, rcvbuf);	/* accept() inherits it */
	if (lfd == -1)
		return -1;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1
	    || listen(lfd, 1) == -1
	    || getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		goto fail;
	fds[0] = socket_sized(SO_SNDBUF, sndbuf);
	if (fds[0] == -1
	    || connect(fds[0], (struct sockaddr *)&sin, sizeof sin) == -1)
		goto fail;
	/* connect() returned: the connection waits in the accept queue. */
	fds[1] = accept(lfd, NULL, NULL);
	if (fds[1] == -1)
		goto fail;
	close(lfd);
	return 0;
fail:
	saved = errno;
	if (fds[0] != -1)
		close(fds[0]);
	close(lfd);
	fds[0] = -1;
	errno = saved;
	return -1;
}

/*
 * Wait until what we sent on fds[1] has been read at fds[0]: the other
 * end acknowledged it (SIOCOUTQ, our unacknowledged bytes, is 0: it has
 * arrived) and nothing is left in its receive queue (SIOCINQ is 0).  No
 * event says "queue empty", so look every millisecond, for 5 s at most;
 * POLLIN on fds[1] means the reader has hung up (its FIN): stop.
 * Returns 0 when read, -1 otherwise.
 */
static int wait_read(const int fds[2])
{
	int unacked, unread, ms;

	for (ms = 0; ms < 5000; ms++) {
		if (ioctl(fds[1], SIOCOUTQ, &unacked) == -1
		    || ioctl(fds[0], SIOCINQ, &unread) == -1)
			return -1;
		if (unacked == 0 && unread == 0)
			return 0;
		if (sock_wait(fds[1], POLLIN, 1) != 0)
			return -1;
	}
	return -1;
}

pid_t loopback_dribble(int fds[2], const void *data, size_t len,
		       size_t piece)
{
	const char *p = data;
	size_t sent, n;
	int one = 1;
	pid_t pid;

	if (piece == 0)
		piece = len;
	fflush(stdout);		/* or the child would print it again */
	pid = fork();
	if (pid != 0) {
		if (pid > 0) {
			close(fds[1]);
			fds[1] = -1;
		}
		return pid;
	}
	/* The child.  Each piece in a segment of its own, never held back
	 * to go with the next one (Nagle's algorithm, see tcp(7)). */
	setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (sent = 0; sent < len; sent += n) {
		n = len - sent < piece ? len - sent : piece;
		if (sock_send_all(fds[1], p + sent, n) == -1
		    || wait_read(fds) == -1)
			break;
	}
	close(fds[0]);
	close(fds[1]);
	_exit(0);	/* not exit(): the parent's atexit work is not ours */
}
