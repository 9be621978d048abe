/*
 * handshake.c - lesson 02: watch TCP's three-way handshake happen.
 *
 *   handshake                  the demo: one connection opened and
 *                              closed, then a listener's queue filled
 *   handshake --backlog N --clients M
 *                              the same with listen(fd, N), M clients
 *   handshake --trace          also capture the segments on loopback
 *
 * One process plays both ends, so it can ask the kernel for the TCP
 * state of every socket after every call: getsockopt(TCP_INFO) while
 * there is a descriptor, the kernel's connection table after close().
 * It shows that connect() sends the SYN, that the listening side's
 * kernel answers by itself, that a connection is ESTABLISHED before
 * anyone calls accept(), and what listen()'s backlog really bounds.
 * Run `make lesson-02`.
 */
#include "die.h"
#include "sock_util.h"
#include "tcp_trace.h"
#include "tcp_watch.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CLIENTS 200
#define SETTLE_MS   100	 /* ample for any handshake on loopback */
#define RETRY_MS    4000 /* a dropped SYN goes again after 1 s and 3 s */
#define SA(ss)      ((const struct sockaddr *)(ss))

struct options {
	const char *host, *port;
	int port_given, backlog, clients, trace;
};

struct client {
	int fd;
	struct sockaddr_storage addr;	/* its end of the connection */
};

static void usage(FILE *to)
{
	fprintf(to, "usage: handshake [--host HOST] [--port PORT]"
		" [--backlog N] [--clients M] [--trace]\n"
		"  --host HOST   listen on HOST (127.0.0.1; ::1, localhost)\n"
		"  --port PORT   listen on PORT (1234; 0: the kernel picks)\n"
		"  --backlog N   listen(fd, N) (10, as in the notes)\n"
		"  --clients M   clients that fill the accept queue (N + 2;"
		" 0: none)\n"
		"  --trace       capture the segments (root, or a private"
		" user namespace)\n");
}

/* The value after option opt, which must be there. */
static const char *need(const char *opt, const char *val)
{
	if (val == NULL)
		die_usage("%s needs a value (see handshake --help)", opt);
	return val;
}

/* The value of option opt, a number from 0 to max (or a usage error). */
static int parse_count(const char *opt, const char *text, int max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(need(opt, text), &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0
	    || n > max)
		die_usage("bad %s '%s': a number from 0 to %d", opt, text,
			  max);
	return (int)n;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	uint16_t port;
	int i;

	*o = (struct options){ "127.0.0.1", "1234", 0, 10, -1, 0 };
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (strcmp(opt, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(opt, "--trace") == 0) {
			o->trace = 1;
			continue;	/* it takes no value */
		} else if (strcmp(opt, "--host") == 0) {
			o->host = need(opt, val);
		} else if (strcmp(opt, "--port") == 0) {
			if (sock_parse_port(need(opt, val), &port) == -1)
				die_usage("bad port '%s': a port is a number"
					  " from 0 to 65535", val);
			o->port = val;
			o->port_given = 1;
		} else if (strcmp(opt, "--backlog") == 0) {
			o->backlog = parse_count(opt, val, 65535);
		} else if (strcmp(opt, "--clients") == 0) {
			o->clients = parse_count(opt, val, MAX_CLIENTS);
		} else {
			die_usage("unknown argument '%s' (see handshake"
				  " --help)", opt);
		}
		i++;	/* past the value */
	}
	if (o->clients == -1)	/* enough to overflow the queue */
		o->clients = o->backlog + 2 < MAX_CLIENTS ? o->backlog + 2
							  : MAX_CLIENTS;
}

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

/*
 * --trace: a packet socket on lo takes CAP_NET_RAW.  Without it, move
 * into a private network namespace where we have it (tcp_trace.h); else
 * say how to watch with tcpdump instead, and carry on.
 */
static int open_trace(const char *port)
{
	int fd = tcp_trace_open(), raw_err = errno;

	if (fd != -1) {
		printf("--trace: capturing on lo with a packet socket\n\n");
	} else if (tcp_trace_unshare() == 0 && (fd = tcp_trace_open()) >= 0) {
		printf("--trace: no CAP_NET_RAW here, so this process moved"
		       " into a private network\n  namespace (as `unshare"
		       " -rn` does) and captures there.  Its loopback is\n"
		       "  its own: no other program sees these sockets.\n\n");
	} else {
		printf("--trace: cannot capture here.\n"
		       "  socket(AF_PACKET): %s (it needs root or"
		       " CAP_NET_RAW)\n  a private network namespace: %s\n"
		       "  To see the segments, run first, in another"
		       " terminal:\n    sudo tcpdump -i lo -n -S 'tcp port"
		       " %s'\n  and then this program%s.  Carrying on without"
		       " the capture.\n\n", strerror(raw_err), strerror(errno),
		       strcmp(port, "0") ? port : "1234",
		       strcmp(port, "0") ? "" : " with --port 1234");
	}
	return fd;
}

/* Print the segments captured since the last call. */
static void show_trace(int tfd, unsigned port, struct tcp_isn *isn)
{
	struct tcp_segment seg;
	char line[128];

	while (tfd != -1 && tcp_trace_next(tfd, port, &seg, 20) == 1)
		printf("   captured %s\n",
		       tcp_segment_str(&seg, port, isn, line, sizeof line));
}

/* Steps 1 and 2: a socket, bound to host:port, then listening. */
static int open_listener(struct options *o, struct sockaddr_storage *srv)
{
	/* ai_family 0 is AF_UNSPEC: IPv4 or IPv6, as host says. */
	struct addrinfo hints = { .ai_flags = AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char where[SOCK_ADDRSTRLEN];
	socklen_t len = sizeof *srv;
	int fd, err, on = 1;

	err = getaddrinfo(o->host, o->port, &hints, &ai);
	if (err != 0)
		die("%s: %s", o->host, gai_strerror(err));
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd == -1)
		die("socket:");
	/* A rerun may bind while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		err = errno;	/* leave nothing open, even on the way out */
		close(fd);
		freeaddrinfo(ai);
		if (err == EADDRINUSE && !o->port_given) {
			/* The demo must run even beside a lesson 04 server. */
			printf("(port %s is taken by another program: letting"
			       " the kernel pick a free port)\n\n", o->port);
			o->port = "0";
			return open_listener(o, srv);
		}
		errno = err;
		if (errno == EADDRINUSE)
			die("bind %s port %s: Address already in use (another"
			    " program listens there; try --port 0)",
			    o->host, o->port);
		die("bind %s port %s:", o->host, o->port);
	}
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)srv, &len) == -1)
		die("getsockname:");
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

/* A non-blocking socket connect()s, which sends the SYN.  Returns
 * connect()'s result: 0, or -1 with errno EINPROGRESS. */
static int start_client(const struct sockaddr_storage *srv,
			struct client *c)
{
	socklen_t len = sizeof c->addr;
	int rc;

	c->fd = socket(srv->ss_family, SOCK_STREAM, 0);
	if (c->fd == -1 || sock_set_nonblock(c->fd, 1) == -1)
		die("client socket:");
	rc = connect(c->fd, SA(srv), srv->ss_family == AF_INET6
				? sizeof(struct sockaddr_in6)
				: sizeof(struct sockaddr_in));
	if (rc == -1 && errno != EINPROGRESS)
		die("connect:");
	getsockname(c->fd, (struct sockaddr *)&c->addr, &len);
	return rc;
}

/* Step 3: the client's connect(), and the state it leaves behind. */
static void connect_one(const struct sockaddr_storage *srv,
			struct client *c)
{
	char where[SOCK_ADDRSTRLEN];
	int rc = start_client(srv, c);
	const char *state = sock_tcp_state(c->fd);

	printf("3. A client connect()s from %s, non-blocking: it sends the"
	       " SYN\n", sock_addr_str(SA(&c->addr), where, sizeof where));
	printf("   connect() returned %s, and yet\n",
	       rc == 0 ? "0" : "-1, EINPROGRESS: \"started, not finished\"");
	say("client", state);
	if (strcmp(state, "ESTABLISHED") == 0) {
		printf("   On loopback the whole handshake ran inside"
		       " connect(): the kernel hands\n   each segment to the"
		       " receiving socket at once, on this CPU, so the\n"
		       "   SYN-ACK came back and our ACK went out before"
		       " connect() returned.\n");
	} else if (sock_wait(c->fd, POLLOUT, 1000) == 1) {
		say("client, after poll() for POLLOUT", sock_tcp_state(c->fd));
	} else {
		die("connect: no SYN-ACK within 1 s");
	}
}

/* Step 4: accept() finds the connection complete, in the queue. */
static int accept_one(int lfd, const struct sockaddr_storage *srv,
		      const struct client *c)
{
	char peer[SOCK_ADDRSTRLEN], mine[SOCK_ADDRSTRLEN];
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
	sock_peer_str(fd, peer, sizeof peer);
	if (strcmp(peer, sock_addr_str(SA(&c->addr), mine, sizeof mine)))
		die("accept: a client of another program came first, from %s"
		    " (try --port 0)", peer);
	printf("   accept() takes it off the queue, and sends nothing: fd %d,"
	       " peer %s\n", fd, peer);
	say("server", sock_tcp_state(fd));
	return fd;
}

/* Step 5: the client closes first, then the server.  A closed
 * descriptor cannot be asked, so each end's state after its close()
 * comes from the kernel's table, looked up by the 4-tuple. */
static void close_both(const struct client *c, int afd,
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

/*
 * EXERCISE (done): count the clients by the kernel's TCP state of each
 * socket, as step 3 asks it for one.  ESTABLISHED: the handshake is
 * complete; SYN_SENT: still waiting for the SYN-ACK.
 */
static void tally(const struct client *c, int n, int *done, int *waiting)
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

/* The clients as they see themselves, then as the server's table has
 * them: a last ACK dropped on a full queue makes the two differ. */
static void say_clients(const struct client *c, int n,
			const struct sockaddr_storage *srv)
{
	int i, done, waiting, est = 0, half = 0;
	const char *state;

	tally(c, n, &done, &waiting);
	printf("   clients: %d completed the handshake (ESTABLISHED), %d"
	       " wait in SYN_SENT\n", done, waiting);
	for (i = 0; i < n; i++) {
		state = tcp_table_state(SA(srv), SA(&c[i].addr));
		est += strcmp(state, "ESTABLISHED") == 0;
		half += strcmp(state, "SYN_RECV") == 0;
	}
	printf("   their server ends, in the kernel's table: %d ESTABLISHED,"
	       " %d SYN_RECV\n", est, half);
	if (done > est)
		printf("   %d client(s) ESTABLISHED on their side only: the"
		       " last ACK found the\n   queue full again and was"
		       " dropped (see the README's Pitfalls)\n", done - est);
}

/* Wait up to ms for the handshake of one more of the n clients to end
 * (poll() finds a connecting socket writable then).  Returns the fd
 * of one that did, or -1; *left: how many were still unfinished. */
static int await_client(const struct client *c, int n, int ms, int *left)
{
	struct pollfd p[MAX_CLIENTS];
	int i, k = 0;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = c[i].fd, .events = POLLOUT };
	if (poll(p, (nfds_t)n, 0) == -1)
		die("poll:");
	for (i = 0; i < n; i++)
		if (!(p[i].revents & POLLOUT))
			p[k++] = (struct pollfd){ c[i].fd, POLLOUT, 0 };
	*left = k;
	if (k == 0 || poll(p, (nfds_t)k, ms) <= 0)
		return -1;
	for (i = 0; i < k && !p[i].revents; i++)
		;	/* POLLOUT, or POLLERR for a refused one */
	return i < k ? p[i].fd : -1;
}

/* Step 6: fill the listener's accept queue, then free one place. */
static void fill_queue(int lfd, const struct sockaddr_storage *srv,
		       int n)
{
	struct client c[MAX_CLIENTS];
	char who[SOCK_ADDRSTRLEN];
	int i, fd, afd, left, einprogress = 0;

	printf("\n6. Filling the accept queue: %d client(s), and nobody calls"
	       " accept()\n", n);
	for (i = 0; i < n; i++)
		einprogress += start_client(srv, &c[i]) == -1;
	printf("   connect() returned -1, EINPROGRESS, for %d of %d\n",
	       einprogress, n);
	while (await_client(c, n, SETTLE_MS, &left) != -1)
		;	/* until no handshake is in flight */
	say_clients(c, n, srv);
	say_queue(lfd);
	if (left == 0) {
		printf("   The queue took them all: try more --clients.\n");
	} else {
		printf("   The queue is full: the kernel dropped the other"
		       " SYNs, answering nothing.\n   Those clients wait in"
		       " SYN_SENT and send the SYN again: after 1 s, 3 s,"
		       " 7 s...\n");
		afd = accept(lfd, NULL, NULL);
		if (afd == -1)
			die("accept:");
		printf("   accept() takes one off the queue; waiting (%d s at"
		       " most) for a SYN retry\n", RETRY_MS / 1000);
		fd = await_client(c, n, RETRY_MS, &left);
		if (fd == -1)
			printf("   no client got in within %d s\n",
			       RETRY_MS / 1000);
		else
			printf("   %s: ESTABLISHED now, after %d SYN"
			       " retransmission(s)\n",
			       sock_local_str(fd, who, sizeof who),
			       tcp_retransmits(fd));
		while (await_client(c, n, SETTLE_MS, &left) != -1)
			;
		say_clients(c, n, srv);
		say_queue(lfd);
		close(afd);
	}
	for (i = 0; i < n; i++)
		close(c[i].fd);
}

int main(int argc, char **argv)
{
	struct options o;
	struct sockaddr_storage srv;
	struct tcp_isn isn = { 0, 0, 0 };
	struct client c;
	int tfd = -1, lfd, afd;
	unsigned port;

	set_progname(argv[0]);
	parse_args(argc, argv, &o);
	printf("Lesson 02: the three-way handshake, step by step.  Every"
	       " state shown is\nthe kernel's own: getsockopt(TCP_INFO), or"
	       " its table of connections.\n\n");
	if (o.trace)
		tfd = open_trace(o.port);	/* first: it may move us */
	lfd = open_listener(&o, &srv);
	port = (unsigned)sock_local_port(lfd);
	connect_one(&srv, &c);
	afd = accept_one(lfd, &srv, &c);
	show_trace(tfd, port, &isn);
	close_both(&c, afd, &srv);
	show_trace(tfd, port, &isn);
	if (o.clients > 0)
		fill_queue(lfd, &srv, o.clients);
	show_trace(tfd, port, &isn);
	close(lfd);
	if (tfd != -1)
		close(tfd);
	return 0;
}
