/*
 * demo_peer.c - the demos' peers in child processes.  See demo_peer.h:
 * nothing here prints or exits (but the children, which end with
 * _exit: the parent's atexit work and stdio buffers are not theirs).
 */
#include "demo_peer.h"
#include "loopback.h"
#include "sock_util.h"
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_TIMEOUT_MS 10000	/* no step of a demo waits longer */

int demo_sender(struct demo_sender *s, const void *msg, size_t len,
		size_t piece)
{
	int fds[2], saved;

	s->failed = "loopback connection";
	if (loopback_pair(fds, 0, 0) == -1)
		return -1;
	s->failed = "fork";
	s->pid = loopback_dribble(fds, msg, len, piece);
	if (s->pid == -1) {
		saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	s->failed = NULL;
	s->fd = fds[0];
	sock_set_timeout(s->fd, PEER_TIMEOUT_MS);
	return 0;
}

void demo_hang_up(struct demo_sender *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	s->fd = -1;
	while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/* Read limit bytes from fd, and no more.  Returns how many came (fewer
 * if the connection ended first), or -1 with errno. */
static ssize_t read_some(int fd, size_t limit)
{
	char buf[16384];
	size_t got = 0, want;
	ssize_t n;

	while (got < limit) {
		want = limit - got < sizeof buf ? limit - got : sizeof buf;
		n = recv(fd, buf, want, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;	/* the end of the stream */
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The receiver's life, in the child: receive, report, close, end. */
static _Noreturn void receive(int fd, size_t limit, int report)
{
	char text[160];
	ssize_t n;
	int status = 0;

	sock_set_timeout(fd, PEER_TIMEOUT_MS);	/* never wait for ever */
	if (limit > 0) {
		n = read_some(fd, limit);
		snprintf(text, sizeof text, "read %zd byte%s, and now closes"
			 " without reading the rest", n, n == 1 ? "" : "s");
	} else {
		status = stream_check(fd, text, sizeof text);
	}
	/* One short write to a pipe is atomic (PIPE_BUF): it all goes. */
	if (write(report, text, strlen(text)) == -1)
		status = -1;
	close(report);
	close(fd);	/* unread data left: the kernel resets (RST) */
	_exit(status == 0 ? 0 : 1);
}

int demo_receiver(struct demo_receiver *r, int fds[2], size_t limit)
{
	int pipefd[2], saved;

	r->failed = "pipe";
	if (pipe(pipefd) == -1)
		return -1;
	r->failed = "fork";
	r->pid = fork();
	if (r->pid == -1) {
		saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		return -1;
	}
	if (r->pid == 0) {
		close(pipefd[0]);
		close(fds[0]);
		receive(fds[1], limit, pipefd[1]);
	}
	r->failed = NULL;
	r->report = pipefd[0];
	close(pipefd[1]);
	close(fds[1]);
	fds[1] = -1;
	return 0;
}

const char *demo_receiver_wait(struct demo_receiver *r)
{
	size_t got = 0;
	ssize_t n;

	/* The report, up to its end: the receiver's _exit closes the pipe. */
	while (got + 1 < sizeof r->said) {
		n = read(r->report, r->said + got, sizeof r->said - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->said[got] = '\0';
	if (got == 0)
		snprintf(r->said, sizeof r->said, "ended without a report");
	close(r->report);
	r->report = -1;
	while (waitpid(r->pid, NULL, 0) == -1) {
		if (errno != EINTR) {
			snprintf(r->said, sizeof r->said, "waitpid: %s",
				 strerror(errno));
			break;
		}
	}
	return r->said;
}
