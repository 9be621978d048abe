/* request_server.c - lesson 10's server.  See request_server.h. */
#include "request_server.h"
#include "sock_util.h"
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read len bytes of request n; say so in report if they did not all
 * come.  Returns 0, or -1. */
static int read_part(int fd, void *buf, size_t len, long n, size_t had,
		     size_t total, char *report, size_t size)
{
	ssize_t got = sock_recv_all(fd, buf, len);

	if (got == (ssize_t)len)
		return 0;
	if (got == -1)
		snprintf(report, size, "request %ld: recv: %s", n,
			 strerror(errno));
	else
		snprintf(report, size, "the connection closed in the middle"
			 " of request %ld: %zu of %zu bytes", n,
			 had + (size_t)got, total);
	return -1;
}

long request_serve(int fd, char *report, size_t size)
{
	static unsigned char body[REQUEST_MAX];
	unsigned char head[4];
	uint32_t len, reply[2];
	long n;
	ssize_t got;

	for (n = 1;; n++) {
		got = sock_recv_all(fd, head, 1);
		if (got == 0) {		/* the end, between two requests */
			snprintf(report, size, "answered %ld request%s",
				 n - 1, n == 2 ? "" : "s");
			return n - 1;
		}
		if (got == -1
		    || read_part(fd, head + 1, 3, n, 1, 4, report, size))
			break;
		memcpy(&len, head, 4);
		len = ntohl(len);
		if (len > REQUEST_MAX) {
			snprintf(report, size, "request %ld: a body of %lu"
				 " bytes, more than %d", n,
				 (unsigned long)len, REQUEST_MAX);
			return -1;
		}
		if (read_part(fd, body, len, n, 4, 4 + (size_t)len, report,
			      size) == -1)
			return -1;
		reply[0] = htonl(len);
		reply[1] = htonl(stream_sum(STREAM_SUM_START, body, len));
		if (sock_send_all(fd, reply, sizeof reply) == -1) {
			snprintf(report, size, "request %ld: send: %s", n,
				 strerror(errno));
			return -1;
		}
	}
	if (got == -1)
		snprintf(report, size, "request %ld: recv: %s", n,
			 strerror(errno));
	return -1;
}

pid_t request_server(int *port, int clients)
{
	char report[160];
	int lfd, fd, gai_err, saved;
	pid_t pid, parent;

	lfd = sock_listen("127.0.0.1", "0", 10, &gai_err);
	if (lfd == -1 && gai_err != 0)
		errno = EINVAL;
	if (lfd == -1)
		return -1;
	*port = sock_local_port(lfd);
	fflush(stdout);		/* or the child would print it again */
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		alarm(60);	/* never outlive a demo that went wrong */
		while (clients > 0) {
			/* A demo that died (its client did) is not coming
			 * back: look for that every 100 ms, then end. */
			if (sock_wait(lfd, POLLIN, 100) == 0) {
				if (getppid() != parent)
					break;
				continue;
			}
			fd = accept(lfd, NULL, NULL);
			if (fd == -1)
				continue;
			/* The demo's client never pauses: 2 s without a
			 * byte means the bytes we wait for were lost (a
			 * short send ignored), and the demo ends sooner. */
			sock_set_timeout(fd, 2000);
			request_serve(fd, report, sizeof report);
			close(fd);
			clients--;
		}
		close(lfd);
		_exit(0);	/* not exit(): the parent's atexit work */
	}
	saved = errno;
	close(lfd);
	errno = saved;
	return pid;
}

int request_server_wait(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}
