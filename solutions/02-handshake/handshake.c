/*
 * handshake.c - lesson 02: watch TCP's three-way handshake happen.
 * One process plays both ends and asks the kernel each socket's TCP
 * state after every call: connect() sends the SYN, the listener's
 * kernel answers by itself, a connection is ESTABLISHED before accept(),
 * and listen()'s backlog bounds the queue.  Run `make lesson-02`; the
 * machinery (options, capture, many clients) is in demo/handshake_kit.c.
 */
#include "die.h"
#include "handshake_kit.h"
#include "sock_util.h"
#include "tcp_watch.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SA(ss) ((const struct sockaddr *)(ss))

static void say(const char *who, const char *state)
{
	printf("   %s: %s (%s)\n", who, state, tcp_state_meaning(state));
}

static void say_queue(int lfd)
{
	unsigned queued, limit;

	if (tcp_accept_queue(lfd, &queued, &limit) == -1)
		die("TCP_INFO of the listener:");
	printf("   the listener's accept queue: %u connection(s), limit %u\n",
	       queued, limit);
}

/* Steps 1 and 2: socket() and bind() to host:port, then listen(). */
static int open_listener(struct hk_options *o, struct sockaddr_storage *srv)
{
	char where[SOCK_ADDRSTRLEN];
	struct hk_why why;
	int fd = hk_listener(o, srv, &why);

	if (fd == -1)
		die("%s%s%s", why.before, why.host, why.after);
	printf("1. socket() and bind() to %s\n",
	       sock_addr_str(SA(srv), where, sizeof where));
	say("listener", sock_tcp_state(fd));
	if (listen(fd, o->backlog) == -1)
		die("listen:");
	printf("2. listen(fd, %d): the kernel takes connections now\n",
	       o->backlog);
	say("listener", sock_tcp_state(fd));
	return fd;
}

/* Step 3: a client connect()s, non-blocking: it sends the SYN. */
static void connect_one(const struct sockaddr_storage *srv,
			struct hk_client *c)
{
	char where[SOCK_ADDRSTRLEN];
	const char *state;
	int rc;

	c->fd = socket(srv->ss_family, SOCK_STREAM, 0);
	if (c->fd == -1 || sock_set_nonblock(c->fd, 1) == -1)
		die("client socket:");
	rc = connect(c->fd, SA(srv), hk_addr_len(srv));
	if (rc == -1 && errno != EINPROGRESS)
		die("connect:");
	hk_client_name(c);
	state = sock_tcp_state(c->fd);
	printf("3. A client connect()s from %s, non-blocking: it sends the"
	       " SYN\n", sock_addr_str(SA(&c->addr), where, sizeof where));
	printf("   connect() returned %s, and yet\n",
	       rc == 0 ? "0" : "-1, EINPROGRESS: \"started, not finished\"");
	say("client", state);
	if (strcmp(state, "ESTABLISHED") == 0)
		printf("   On loopback the whole handshake ran inside"
		       " connect(): the kernel hands\n   each segment to the"
		       " receiving socket at once, on this CPU, so the\n"
		       "   SYN-ACK came back and our ACK went out before"
		       " connect() returned.\n");
	else if (sock_wait(c->fd, POLLOUT, 1000) == 1)
		say("client, after poll() for POLLOUT", sock_tcp_state(c->fd));
	else
		die("connect: no SYN-ACK within 1 s");
}

/* Step 4: accept() finds the connection complete, in the queue. */
static int accept_one(int lfd, const struct sockaddr_storage *srv,
		      const struct hk_client *c)
{
	char peer[SOCK_ADDRSTRLEN];
	int fd;

	/* A listener is readable once its queue holds a connection. */
	if (sock_wait(lfd, POLLIN, 1000) != 1)
		die("no connection reached the accept queue within 1 s");
	printf("4. Nobody has called accept() yet, and still:\n");
	say("the server's end, in the kernel's table",
	    tcp_table_state(SA(srv), SA(&c->addr)));
	say_queue(lfd);
	fd = accept(lfd, NULL, NULL);
	if (fd == -1)
		die("accept:");
	if (!hk_is_ours(fd, c, peer, sizeof peer))
		die("accept: a client of another program came first, from %s"
		    " (try --port 0)", peer);
	printf("   accept() takes it off the queue, and sends nothing: fd %d,"
	       " peer %s\n", fd, peer);
	say("server", sock_tcp_state(fd));
	return fd;
}

/* Step 5: the client closes first, then the server.  A closed socket
 * is looked up in the kernel's table instead, by the 4-tuple. */
static void close_both(const struct hk_client *c, int afd,
		       const struct sockaddr_storage *srv)
{
	const struct sockaddr *me = SA(&c->addr), *it = SA(srv);
	char byte;

	printf("5. The client calls close(): a FIN goes out.  Its descriptor"
	       " is gone but not\n   the connection: the kernel's table"
	       " (/proc/net/tcp, which ss reads) has it.\n");
	close(c->fd);
	say("client", tcp_table_state(me, it));
	if (sock_wait(afd, POLLIN, 1000) != 1 || recv(afd, &byte, 1, 0) != 0)
		die("server: no end of stream within 1 s");
	printf("   server: recv() returned 0, end of stream: the FIN came\n");
	say("server", sock_tcp_state(afd));
	/* The server's kernel delays its ACK of the FIN a little. */
	say("client", tcp_table_wait(me, it, "FIN_WAIT2", 500));
	printf("   The server calls close(): its FIN goes out, and is"
	       " ACKed.\n");
	close(afd);
	say("client", tcp_table_wait(me, it, "TIME_WAIT", 500));
	say("server", tcp_table_wait(it, me, "CLOSED", 500));
}

/* EXERCISE (done): count the clients by the kernel's TCP state of each
 * socket, as step 3 asks it for one: ESTABLISHED, or SYN_SENT. */
static void tally(const struct hk_client *c, int n, int *done, int *waiting)
{
	const char *state;
	int i;

	*done = *waiting = 0;
	for (i = 0; i < n; i++) {
		state = sock_tcp_state(c[i].fd);
		if (strcmp(state, "ESTABLISHED") == 0)
			(*done)++;
		else if (strcmp(state, "SYN_SENT") == 0)
			(*waiting)++;
	}
}

/* After the handshakes settle; returns how many clients did not finish. */
static int say_clients(const struct hk_client *c, int n,
		       const struct sockaddr_storage *srv, int lfd)
{
	int left = hk_settle(c, n), done, waiting, est, half;

	if (left == -1)
		die("poll:");
	tally(c, n, &done, &waiting);
	printf("   clients: %d completed the handshake (ESTABLISHED), %d"
	       " wait in SYN_SENT\n", done, waiting);
	hk_server_ends(c, n, SA(srv), &est, &half);
	printf("   their server ends, in the kernel's table: %d ESTABLISHED,"
	       " %d SYN_RECV\n", est, half);
	if (done > est)	/* a last ACK dropped on a full queue */
		printf("   %d client(s) ESTABLISHED on their side only: the"
		       " last ACK found the\n   queue full again and was"
		       " dropped (see the README's Pitfalls)\n", done - est);
	say_queue(lfd);
	return left;
}

/* Step 6: fill the listener's accept queue, then free one place. */
static void fill_queue(int lfd, const struct sockaddr_storage *srv, int n)
{
	struct hk_client c[HK_MAX_CLIENTS];
	char who[SOCK_ADDRSTRLEN], when[128];
	const char *call;
	int fd, afd, einprogress;

	printf("\n6. Filling the accept queue: %d client(s), and nobody calls"
	       " accept()\n", n);
	einprogress = hk_start_clients(srv, c, n, &call);	/* as step 3 */
	if (einprogress == -1)
		die("%s:", call);
	printf("   connect() returned -1, EINPROGRESS, for %d of %d\n",
	       einprogress, n);
	if (say_clients(c, n, srv, lfd) == 0) {
		printf("   The queue took them all: try more --clients.\n");
	} else {
		printf("   The queue is full: the kernel dropped the other"
		       " SYNs, answering nothing.\n   Those clients wait in"
		       " SYN_SENT and send the SYN again, after\n   %s\n",
		       hk_syn_schedule(when, sizeof when));
		afd = accept(lfd, NULL, NULL);
		if (afd == -1)
			die("accept:");
		printf("   accept() takes one off the queue; waiting (%d s at"
		       " most) for a SYN retry\n", HK_RETRY_S);
		fd = hk_await(c, n, HK_RETRY_S * 1000);
		if (fd == -1)
			printf("   no client got in within %d s\n",
			       HK_RETRY_S);
		else
			printf("   %s: ESTABLISHED now, after %d SYN"
			       " retransmission(s)\n",
			       sock_local_str(fd, who, sizeof who),
			       tcp_retransmits(fd));
		say_clients(c, n, srv, lfd);
		close(afd);
	}
	hk_close_all(c, n);
}

int main(int argc, char **argv)
{
	struct hk_options o;
	struct sockaddr_storage srv;
	struct hk_trace t;
	struct hk_client c;
	int lfd, afd, rc;

	set_progname(argv[0]);
	rc = hk_args(argc, argv, &o);	/* --help, or a usage error: said */
	if (rc != -1)
		return rc;
	printf("Lesson 02: the three-way handshake, step by step.  Every"
	       " state shown is\nthe kernel's own: getsockopt(TCP_INFO), or"
	       " its table of connections.\n\n");
	hk_trace_start(&t, &o);	/* first: it may unshare */
	lfd = open_listener(&o, &srv);
	connect_one(&srv, &c);
	afd = accept_one(lfd, &srv, &c);
	hk_trace_show(&t, lfd);
	close_both(&c, afd, &srv);
	hk_trace_show(&t, lfd);
	if (o.clients > 0)
		fill_queue(lfd, &srv, o.clients);
	hk_trace_stop(&t, lfd);	/* the last segments, --mermaid's diagram */
	close(lfd);
	return 0;
}
