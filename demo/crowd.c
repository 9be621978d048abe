/*
 * crowd.c - many echo clients at once, a client that never reads, and
 * a process's memory.  See crowd.h: nothing here prints or exits.
 */
#include "crowd.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, TALKING, ENDING, DONE, FAILED };

struct client {
	int fd;
	enum state state;
	int round;
	size_t sent, got;	/* of this round's bytes */
	double began;		/* when this round began, ms */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Byte k of client id's round: every value, NUL too, differing from
 * one client and one round to the next. */
static unsigned char pattern(int id, int round, size_t k)
{
	return (unsigned char)(((size_t)id * 7 + (size_t)round * 13 + k)
			       % 256);
}

/* Client id failed: close it; the first failure is the one kept.
 * Returns -1. */
static int fail(struct crowd *c, struct client *cl, int id,
		 const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->error[0] == '\0')
		snprintf(c->error, sizeof c->error, "client %d: %s", id + 1,
			 what);
	close(cl->fd);
	cl->fd = -1;
	cl->state = FAILED;
	return -1;
}

/* A round is complete: the next, or the end of our side. */
static void next_round(struct crowd *c, struct client *cl)
{
	double took = now_ms() - cl->began;

	if (took > c->worst_ms)
		c->worst_ms = took;
	c->round_trips++;
	c->served += cl->round == 0;
	cl->round++;
	cl->sent = cl->got = 0;
	cl->began = now_ms();
	if (c->seconds == 0 && cl->round == c->rounds) {
		shutdown(cl->fd, SHUT_WR);
		cl->state = ENDING;
	}
}

/* Send what fits of this round's bytes; check what came back.
 * Returns 0, or -1 if the client failed. */
static int talk(struct crowd *c, struct client *cl, int id, short rev)
{
	static unsigned char buf[16384];	/* (one client at a time) */
	size_t len, k;
	ssize_t n;

	if ((rev & POLLOUT) && cl->sent < c->bytes) {
		len = c->bytes - cl->sent;
		if (len > sizeof buf)
			len = sizeof buf;
		for (k = 0; k < len; k++)
			buf[k] = pattern(id, cl->round, cl->sent + k);
		n = send(cl->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0)
			cl->sent += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			return fail(c, cl, id, "send: %s", strerror(errno));
	}
	if (!(rev & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = recv(cl->fd, buf, sizeof buf, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1)
		return fail(c, cl, id, "recv: %s", strerror(errno));
	if (n == 0)
		return fail(c, cl, id, "the server closed after %zu of %zu"
			    " bytes of round %d", cl->got, c->bytes,
			    cl->round + 1);
	for (k = 0; k < (size_t)n; k++) {
		if (cl->got + k >= cl->sent)
			return fail(c, cl, id, "more bytes came back than"
				    " it sent");
		if (buf[k] != pattern(id, cl->round, cl->got + k))
			return fail(c, cl, id, "byte %zu of round %d came"
				    " back wrong", cl->got + k, cl->round + 1);
	}
	cl->got += (size_t)n;
	if (cl->got == c->bytes)
		next_round(c, cl);
	return 0;
}

/* One client's turn, as its state says.  Returns 0, or -1 if it failed. */
static int step(struct crowd *c, struct client *cl, int id, short rev)
{
	int err = 0;
	socklen_t len = sizeof err;
	char byte;
	ssize_t n;

	switch (cl->state) {
	case CONNECTING:
		getsockopt(cl->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0)
			return fail(c, cl, id, "connect: %s", strerror(err));
		c->connected++;
		cl->state = TALKING;
		cl->began = now_ms();
		break;
	case TALKING:
		return talk(c, cl, id, rev);
	case ENDING:
		n = recv(cl->fd, &byte, 1, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n != 0)
			return fail(c, cl, id, "%s after its echo", n > 0 ?
				    "more bytes came" : strerror(errno));
		close(cl->fd);
		cl->fd = -1;
		cl->state = DONE;
		c->done++;
		break;
	default:
		break;
	}
	return 0;
}

/* Enough descriptors for want clients: the soft limit up to the hard. */
static void raise_fd_limit(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The events client cl waits for; -1 as fd: none (poll skips it). */
static short wanted(const struct crowd *c, const struct client *cl)
{
	if (cl->state == CONNECTING)
		return POLLOUT;
	if (cl->state == TALKING && cl->sent < c->bytes)
		return POLLIN | POLLOUT;
	return POLLIN;
}

/* Say what each unfinished client was waiting for when time ran out. */
static void out_of_time(struct crowd *c, struct client *cl, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (c->seconds > 0 && cl[i].fd != -1)
			close(cl[i].fd);	/* the time was up: no failure */
		else if (cl[i].state == CONNECTING)
			fail(c, &cl[i], i, "connect: no answer within %d ms",
			     c->timeout_ms);
		else if (cl[i].state == TALKING && c->seconds == 0)
			fail(c, &cl[i], i, "no echo within %d ms (round %d:"
			     " %zu of %zu bytes back)", c->timeout_ms,
			     cl[i].round + 1, cl[i].got, c->bytes);
		else if (cl[i].state == ENDING)
			fail(c, &cl[i], i, "the server did not close within"
			     " %d ms", c->timeout_ms);
		else if (cl[i].fd != -1)
			close(cl[i].fd);
	}
}

int crowd_run(const char *host, const char *port, struct crowd *c)
{
	struct addrinfo hints, *ai = NULL;
	struct client *cl = NULL;
	struct pollfd *pfd = NULL;
	double start = now_ms(), end;
	int i, n = c->clients, active, ok = -1, err;

	c->connected = c->done = c->served = 0;
	c->round_trips = 0;
	c->worst_ms = c->elapsed_ms = 0;
	c->error[0] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err != 0) {
		snprintf(c->error, sizeof c->error, "%s: %s", host,
			 gai_strerror(err));
		return -1;
	}
	raise_fd_limit((rlim_t)n + 16);
	cl = calloc((size_t)n, sizeof *cl);
	pfd = calloc((size_t)n, sizeof *pfd);
	if (cl == NULL || pfd == NULL) {
		snprintf(c->error, sizeof c->error, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		cl[i].fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (cl[i].fd == -1 || sock_set_nonblock(cl[i].fd, 1) == -1
		    || (connect(cl[i].fd, ai->ai_addr, ai->ai_addrlen) == -1
			&& errno != EINPROGRESS))
			fail(c, &cl[i], i, "connect: %s", strerror(errno));
	}
	end = start + (c->seconds > 0 ? c->seconds * 1000.0 : c->timeout_ms);
	for (;;) {
		for (i = active = 0; i < n; i++) {
			pfd[i].fd = cl[i].fd;
			pfd[i].events = wanted(c, &cl[i]);
			active += cl[i].fd != -1;
		}
		if (active == 0 || now_ms() >= end)
			break;
		if (poll(pfd, (nfds_t)n, (int)(end - now_ms()) + 1) == -1
		    && errno != EINTR) {
			snprintf(c->error, sizeof c->error, "poll: %s",
				 strerror(errno));
			break;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].fd != -1 && pfd[i].revents != 0)
				step(c, &cl[i], i, pfd[i].revents);
	}
	out_of_time(c, cl, n);
	c->elapsed_ms = now_ms() - start;
	if (c->error[0] == '\0')
		ok = 0;
out:
	free(cl);
	free(pfd);
	freeaddrinfo(ai);
	return ok;
}

int crowd_hog(const char *host, const char *port, size_t bytes,
	      int stall_ms, int *fd, size_t *sent)
{
	static const char junk[16384];
	struct addrinfo hints, *ai;
	int small = 65536, ret = -1;
	size_t len;
	ssize_t n;

	*sent = 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		errno = EINVAL;
		return -1;
	}
	/* Buffers of a set size, before connect(): the window we offer
	 * cannot grow (no autotuning), so the echo fills it soon. */
	*fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (*fd == -1
	    || setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small)
	    || setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small)
	    || connect(*fd, ai->ai_addr, ai->ai_addrlen) == -1
	    || sock_set_nonblock(*fd, 1) == -1)
		goto out;
	while (*sent < bytes) {
		len = bytes - *sent < sizeof junk ? bytes - *sent : sizeof junk;
		n = send(*fd, junk, len, MSG_NOSIGNAL);
		if (n > 0) {
			*sent += (size_t)n;
		} else if (errno == EAGAIN) {
			n = sock_wait(*fd, POLLOUT, stall_ms);
			if (n == 0) {
				ret = 1;	/* no room for stall_ms */
				goto out;
			}
			if (n == -1)
				goto out;
		} else if (errno != EINTR) {
			goto out;
		}
	}
	ret = 0;
out:
	freeaddrinfo(ai);
	return ret;
}

long crowd_memory_kb(int pid, const char *field)
{
	char path[64], line[128];
	size_t len = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (kb == -1 && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}
