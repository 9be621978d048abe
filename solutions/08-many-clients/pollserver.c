/*
 * pollserver.c - lesson 08: one process, many clients, and a client
 * that does not read.
 *
 *   pollserver                     the demo: crowds of clients, a hog
 *   pollserver [--host HOST] [--port PORT] [--backlog N]
 *
 * Lesson 04's echo server for every client at once: non-blocking sockets,
 * one poll() over them all, and for each client an output buffer, its echo
 * waiting to go.  We wait for POLLOUT only while it holds something, and
 * stop reading a client (no POLLIN) while it is full: a client that never
 * reads costs one buffer, never the others' time.  SIGINT, SIGTERM: a summary.
 */
#include "die.h"
#include "many_demo.h"
#include "server_args.h"
#include "sock_util.h"
#include "stop_pipe.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define OUT_SIZE 65536	/* a client's echo waiting to go, at most */

struct client {
	int fd;
	char who[SOCK_ADDRSTRLEN];
	char out[OUT_SIZE];	/* out[head..tail): received, not sent */
	size_t head, tail;
	int eof;		/* the client has ended its side */
	short events;		/* what poll() waits for: POLLIN, POLLOUT */
	unsigned long echoed;
};

struct server {
	int lfd, stop, accepting;	/* stop: the self-pipe's read end */
	struct client **c;	/* c[0..n) */
	struct pollfd *pfd;	/* the stop pipe, lfd, then each client */
	size_t n, max;
	unsigned long served, bytes;
};

static void usage(FILE *to)
{
	fprintf(to, "usage: pollserver [--host HOST] [--port PORT] [--backlog"
		" N]\nNo arguments: a demo.  Echoes every client, all at once,"
		" until Ctrl-C.\nDefaults: 127.0.0.1, port 1234 (0: the kernel"
		" picks), backlog 10.\n");
}

/*
 * EXERCISE (done): one client's turn, once poll() said what is ready
 * (revents).  Read what is there while the output buffer has room;
 * send what is pending, as much as the socket takes now (MSG_DONTWAIT:
 * never wait for one client); then set c->events: POLLIN while there
 * is room and no EOF yet, POLLOUT while something waits to go.  A
 * client whose buffer is full is not read: its bytes stay in the
 * kernel, its window closes, and it waits, alone (backpressure).
 * Returns 0 to keep the client, -1 when it is done (EOF and all sent)
 * or failed (warn first).
 */
static int serve_client(struct client *c, short revents)
{
	const char *call = "recv";
	ssize_t n;

	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !c->eof
	    && c->tail < sizeof c->out) {
		n = recv(c->fd, c->out + c->tail, sizeof c->out - c->tail, 0);
		if (n > 0)
			c->tail += (size_t)n;
		else if (n == 0)
			c->eof = 1;
		else if (errno != EAGAIN && errno != EINTR)
			goto failed;
	}
	if (c->head < c->tail) {
		call = "send";
		n = send(c->fd, c->out + c->head, c->tail - c->head,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			goto failed;
		if (n > 0) {
			c->head += (size_t)n;
			c->echoed += (unsigned long)n;
		}
		if (c->head == c->tail)
			c->head = c->tail = 0;	/* all sent: room again */
	}
	if (c->eof && c->head == c->tail)
		return -1;		/* done: all echoed */
	c->events = (short)((!c->eof && c->tail < sizeof c->out ? POLLIN : 0)
			    | (c->head < c->tail ? POLLOUT : 0));
	return 0;
failed:
	warn("%s: %s:", c->who, call);
	return -1;
}

/* Client i is done: log it, close it, the last one takes its place. */
static void drop(struct server *s, size_t i)
{
	struct client *c = s->c[i];

	printf("%s done: %lu bytes echoed\n", c->who, c->echoed);
	close(c->fd);
	s->served++;
	s->bytes += c->echoed;
	free(c);
	s->c[i] = s->c[--s->n];
	if (!s->accepting) {
		s->accepting = 1;	/* a descriptor is free again */
		printf("a client left: accepting again\n");
	}
}

/* Take every connection that waits.  Out of descriptors (EMFILE: our
 * RLIMIT_NOFILE; ENFILE: the system's), stop accepting until a client
 * leaves: the others wait in the accept queue, and poll() must not wake
 * us for the listener meanwhile (it stays readable: a busy loop). */
static void accept_clients(struct server *s)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	struct client *c;
	int fd;

	while (s->n < s->max
	       && (fd = accept(s->lfd, (struct sockaddr *)&peer, &len)) != -1) {
		c = malloc(sizeof *c);	/* (its out[] untouched till used) */
		if (c == NULL) {
			warn("accept: out of memory");
			close(fd);
			return;
		}
		sock_set_nonblock(fd, 1);
		c->fd = fd;
		c->head = c->tail = 0;
		c->eof = 0;
		c->events = POLLIN;
		c->echoed = 0;
		sock_addr_str((struct sockaddr *)&peer, c->who, sizeof c->who);
		printf("%s connected\n", c->who);
		s->c[s->n++] = c;
		len = sizeof peer;
	}
	if (errno == EMFILE || errno == ENFILE) {
		warn("accept: %s: %zu clients connected; the others wait"
		     " until one leaves", strerror(errno), s->n);
		s->accepting = 0;
	}
}

/* The event loop: wait for anything ready, serve it, again, until a
 * stop signal; then close every client and print the summary. */
static void serve(struct server *s)
{
	int sig = 0;
	size_t i;

	while (sig == 0) {
		s->pfd[0] = (struct pollfd){ .fd = s->stop, .events = POLLIN };
		s->pfd[1] = (struct pollfd){ .fd = s->lfd,
					     .events = s->accepting ? POLLIN : 0 };
		for (i = 0; i < s->n; i++) {
			s->pfd[2 + i].fd = s->c[i]->fd;
			s->pfd[2 + i].events = s->c[i]->events;
		}
		if (poll(s->pfd, 2 + s->n, -1) == -1) {
			if (errno != EINTR)
				die("poll:");
			continue;
		}
		if (s->pfd[0].revents & POLLIN && (sig = stop_pipe_signal()))
			break;
		/* From the last: drop() moves the last client to i. */
		for (i = s->n; i-- > 0;)
			if (s->pfd[2 + i].revents != 0
			    && serve_client(s->c[i], s->pfd[2 + i].revents) == -1)
				drop(s, i);
		if (s->pfd[1].revents & POLLIN)
			accept_clients(s);
	}
	for (s->accepting = 1; s->n > 0;)	/* (no "accepting again") */
		drop(s, s->n - 1);
	printf("stopped by %s: %lu client%s served, %lu bytes echoed\n",
	       sig == SIGINT ? "SIGINT" : "SIGTERM", s->served,
	       s->served == 1 ? "" : "s", s->bytes);
}

/* Serve on lfd until a stop signal: room for as many clients as we
 * have descriptors (RLIMIT_NOFILE), then the event loop. */
static void run(int lfd)
{
	struct server s = { .lfd = lfd, .accepting = 1 };
	struct rlimit rl;

	s.stop = stop_pipe_open();	/* demo/stop_pipe.c: the self-pipe */
	if (s.stop == -1)
		die("pipe:");
	sock_set_nonblock(lfd, 1);
	getrlimit(RLIMIT_NOFILE, &rl);
	s.max = rl.rlim_cur < 65536 ? (size_t)rl.rlim_cur : 65536;
	s.c = calloc(s.max, sizeof *s.c);
	s.pfd = calloc(s.max + 2, sizeof *s.pfd);
	if (s.c == NULL || s.pfd == NULL)
		die("out of memory");
	serve(&s);
	free(s.c);
	free(s.pfd);
	stop_pipe_close();
}

int main(int argc, char **argv)
{
	struct server_args a;
	char where[SOCK_ADDRSTRLEN];
	int lfd, err;

	set_progname(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a log: out line by line */
	if (argc == 1)
		return many_demo(run);		/* demo/many_demo.c */
	switch (server_args(argc, argv, &a)) {	/* demo/server_args.c */
	case SERVER_HELP:
		usage(stdout);
		return 0;
	case SERVER_USAGE:
		die_usage("%s%s%s%s%s", a.why[0], a.why[1], a.why[2],
			  a.why[3], a.why[4]);
	case SERVER_RUN:
		break;
	}
	lfd = sock_listen(a.host, a.port, a.backlog, &err);
	if (lfd == -1)
		die("listen %s port %s: %s", a.host, a.port,
		    err != 0 ? gai_strerror(err) : strerror(errno));
	printf("listening on %s\n", sock_local_str(lfd, where, sizeof where)
	       ? where : "?");
	run(lfd);
	close(lfd);
	return 0;
}
