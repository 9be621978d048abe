/*
 * line_demo.c - lesson 09's clients.  See line_demo.h: nothing here
 * prints or exits (but the demo's client, a child, which ends with
 * _exit: the parent's atexit work and stdio buffers are not its own).
 */
#include "line_demo.h"
#include "loopback.h"
#include "sock_util.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 5000	/* no step of the demo waits longer */

/* Read and drop what has come on fd, without waiting.  Returns 0, or
 * -1 when the server has closed (end of stream or an error). */
static int drop_replies(int fd)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK
				|| errno == EINTR))
			return 0;
		return -1;
	}
}

/*
 * Wait until the server has read all we sent: the server's end
 * acknowledged it (SIOCOUTQ, our unacknowledged bytes, is 0) and
 * nothing is left in its receive queue (SIOCINQ is 0).  No event says
 * "queue empty", so look every millisecond, dropping the replies.
 * Returns 0 when read, -1 if the server closed or WAIT_MS passed.
 */
static int wait_read(const int fds[2])
{
	int unacked, unread, ms;

	for (ms = 0; ms < WAIT_MS; ms++) {
		if (ioctl(fds[0], SIOCOUTQ, &unacked) == -1
		    || ioctl(fds[1], SIOCINQ, &unread) == -1
		    || drop_replies(fds[0]) == -1)
			return -1;
		if (unacked == 0 && unread == 0)
			return 0;
		poll(NULL, 0, 1);
	}
	return -1;
}

/* The length of the next piece of the left bytes at p. */
static size_t next_piece(const char *p, size_t left, size_t piece)
{
	const char *nl;

	if (piece == 0) {
		nl = memchr(p, '\n', left);
		return nl == NULL ? left : (size_t)(nl - p) + 1;
	}
	return left < piece ? left : piece;
}

/* The client's life, in the child. */
static _Noreturn void run_script(int fds[2], const char *p, size_t len,
				 size_t piece)
{
	size_t sent = 0, n;
	int one = 1;

	/* Each piece in a segment of its own, never held back to go with
	 * the next one (Nagle's algorithm: lesson 10). */
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	sock_set_timeout(fds[0], WAIT_MS);
	while (sent < len) {
		n = next_piece(p + sent, len - sent, piece);
		if (sent + n == len) {
			/* The last piece: no need to watch the server's
			 * end any more, and its close must be its own. */
			close(fds[1]);
			fds[1] = -1;
		}
		if (sock_send_all(fds[0], p + sent, n) == -1)
			break;
		sent += n;
		if (fds[1] != -1 && wait_read(fds) == -1)
			break;
	}
	if (fds[1] != -1)
		close(fds[1]);
	shutdown(fds[0], SHUT_WR);	/* the end of our stream */
	while (sock_wait(fds[0], POLLIN, WAIT_MS) == 1
	       && drop_replies(fds[0]) == 0)
		;
	close(fds[0]);
	_exit(0);
}

pid_t line_script(int fds[2], const void *script, size_t len, size_t piece)
{
	pid_t pid;

	fflush(stdout);		/* or the child would print it again */
	pid = fork();
	if (pid == 0)
		run_script(fds, script, len, piece);
	if (pid > 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	return pid;
}

int line_script_wait(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int line_demo(const void *script, size_t len, size_t piece,
	      unsigned long (*serve)(int fd))
{
	int fds[2], saved;
	pid_t pid;

	if (loopback_pair(fds, 0, 0) == -1)
		return -1;
	pid = line_script(fds, script, len, piece);
	if (pid == -1) {
		saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	serve(fds[1]);
	close(fds[1]);
	return line_script_wait(pid);
}

/* Write all len bytes to fd (standard output).  0, or -1 with errno. */
static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Standard input to fd, then shutdown.  It reads to the input's end (or
 * a full buffer) before it sends, so the commands go together, as from
 * a client that pipelines them, however the writer cut them: bash's
 * printf writes a line at a time, and read() takes what has come.  A
 * server that closed on us ends the sending, not the client: its
 * replies are still to be read.
 */
static int send_input(int fd, const char **failed)
{
	static char buf[65536];
	size_t len;
	ssize_t n;

	do {
		len = 0;
		while (len < sizeof buf &&
		       (n = read(STDIN_FILENO, buf + len, sizeof buf - len)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				*failed = "read standard input";
				return -1;
			}
			len += (size_t)n;
		}
		if (len > 0 && sock_send_all(fd, buf, len) == -1)
			break;
	} while (len == sizeof buf);	/* else the input has ended */
	shutdown(fd, SHUT_WR);
	return 0;
}

/* The replies to standard output until the server closes. */
static int copy_replies(int fd, const char **failed)
{
	static char buf[65536];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n == -1 && errno == EINTR)
			continue;
		/* A reset after a reply is how a server that closed with
		 * our bytes unread ends (lesson 06): the end, too. */
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 0;
		if (n == -1) {
			*failed = "recv";
			return -1;
		}
		if (write_all(STDOUT_FILENO, buf, (size_t)n) == -1) {
			*failed = "write standard output";
			return -1;
		}
	}
}

int line_send(const char *host, const char *port, char *error, size_t size)
{
	const char *failed = NULL;
	int fd, gai_err, status = -1;

	fd = sock_connect(host, port, 10000, &gai_err);
	if (fd == -1 && gai_err != 0) {
		snprintf(error, size, "%s: %s", host, gai_strerror(gai_err));
		return -1;
	}
	if (fd == -1) {
		snprintf(error, size, "connect %s port %s: %s", host, port,
			 strerror(errno));
		return -1;
	}
	sock_set_timeout(fd, 10000);
	if (send_input(fd, &failed) == 0 && copy_replies(fd, &failed) == 0)
		status = 0;
	else
		snprintf(error, size, "%s: %s", failed, strerror(errno));
	close(fd);
	return status;
}
