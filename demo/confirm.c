/*
 * confirm.c - lesson 07's peers.  See confirm.h: nothing here prints or
 * exits (but the demo's child, which ends with _exit).
 */
#include "confirm.h"
#include "sock_util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS	 10000	/* no step waits longer for the client */
#define STALL_MS 200	/* stall: "wait" this often */
#define STALL_N	 150	/* ... this many times at most (30 s) */

static const char *const names[] = {
	[CONFIRM_OK] = "confirm", [CONFIRM_EXTRA] = "extra",
	[CONFIRM_STALL] = "stall", [CONFIRM_RESET] = "reset",
	[CONFIRM_HANGUP] = "hangup", [CONFIRM_MISCOUNT] = "miscount",
};

int confirm_mode(const char *name, enum confirm_how *how)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			*how = (enum confirm_how)i;
			return 0;
		}
	}
	return -1;
}

/* Read the request to its end.  Returns the bytes read, or -1 with
 * errno (*got: how many came before the error). */
static ssize_t read_request(int fd, size_t *got)
{
	char buf[16384];
	ssize_t n;

	*got = 0;
	while ((n = recv(fd, buf, sizeof buf, 0)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		*got += (size_t)n;
	}
	return (ssize_t)*got;
}

/* Send n bytes the client did not ask for: lines of dots. */
static int chatter(int fd, size_t n)
{
	char buf[4096];
	size_t piece;

	memset(buf, '.', sizeof buf);
	buf[sizeof buf - 1] = '\n';
	while (n > 0) {
		piece = n < sizeof buf ? n : sizeof buf;
		if (sock_send_all(fd, buf + sizeof buf - piece, piece) == -1)
			return -1;
		n -= piece;
	}
	return 0;
}

/* "wait\n" every STALL_MS until a send fails: the client has gone. */
static int stall(int fd)
{
	int i;

	for (i = 0; i < STALL_N; i++) {
		if (sock_send_all(fd, "wait\n", 5) == -1)
			return -1;
		poll(NULL, 0, STALL_MS);
	}
	errno = ETIMEDOUT;
	return -1;
}

void confirm_serve(int fd, enum confirm_how how, size_t extra, char *said,
		   size_t size)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	char ok[32];
	size_t got;

	sock_set_timeout(fd, WAIT_MS);
	if (how == CONFIRM_EXTRA && chatter(fd, extra) == -1) {
		snprintf(said, size, "send: %s, after sending the client"
			 " bytes it never read", strerror(errno));
		return;
	}
	if (read_request(fd, &got) == -1) {
		snprintf(said, size, "recv: %s after %zu bytes: no end of the"
			 " request, nothing confirmed", strerror(errno), got);
		return;
	}
	snprintf(ok, sizeof ok, "ok %zu\n",
		 how == CONFIRM_MISCOUNT && got > 0 ? got - 1 : got);
	switch (how) {
	case CONFIRM_STALL:
		stall(fd);
		snprintf(said, size, "got %zu bytes and the end; said \"wait\""
			 " until the client left (%s)", got, strerror(errno));
		return;
	case CONFIRM_RESET:
		/* The caller's close() then sends a RST, not a FIN. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
			   sizeof abort_close);
		snprintf(said, size, "got %zu bytes and the end; reset the"
			 " connection instead of confirming", got);
		return;
	case CONFIRM_HANGUP:
		snprintf(said, size, "got %zu bytes and the end; closed"
			 " without confirming", got);
		return;
	default:
		break;
	}
	if (sock_send_all(fd, ok, strlen(ok)) == -1) {
		snprintf(said, size, "got %zu bytes and the end; send: %s:"
			 " the confirmation did not go", got, strerror(errno));
		return;
	}
	ok[strlen(ok) - 1] = '\0';
	snprintf(said, size, "got %zu bytes and the end; confirmed: %s", got,
		 ok);
}

int confirm_peer(struct confirm_peer *p, int fds[2], enum confirm_how how,
		 size_t extra)
{
	int pipefd[2], saved;

	if (pipe(pipefd) == -1)
		return -1;
	p->pid = fork();
	if (p->pid == -1) {
		saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		return -1;
	}
	if (p->pid == 0) {
		close(pipefd[0]);
		close(fds[0]);
		confirm_serve(fds[1], how, extra, p->said, sizeof p->said);
		/* One short write to a pipe is atomic (PIPE_BUF). */
		saved = write(pipefd[1], p->said, strlen(p->said)) == -1;
		close(pipefd[1]);
		close(fds[1]);
		_exit(saved);
	}
	p->report = pipefd[0];
	close(pipefd[1]);
	close(fds[1]);
	fds[1] = -1;
	return 0;
}

const char *confirm_peer_wait(struct confirm_peer *p)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < sizeof p->said) {
		n = read(p->report, p->said + got, sizeof p->said - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	p->said[got] = '\0';
	if (got == 0)
		snprintf(p->said, sizeof p->said, "ended without a report");
	close(p->report);
	while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
		;
	return p->said;
}
