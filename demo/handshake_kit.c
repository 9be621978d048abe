/*
 * handshake_kit.c - the machinery of lesson 02's program.  See
 * handshake_kit.h.
 */
#include "handshake_kit.h"
#include "die.h"
#include "sock_util.h"
#include "sysctl.h"
#include "tcp_trace.h"
#include "tcp_watch.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STR(x)  #x
#define XSTR(x) STR(x)	/* XSTR(HK_MAX_CLIENTS) is "200" */

const char hk_usage[] =
	"usage: handshake [--host HOST] [--port PORT]"
	" [--backlog N] [--clients M] [--trace [--mermaid]]\n"
	"  --host HOST   listen on HOST (127.0.0.1; ::1, localhost)\n"
	"  --port PORT   listen on PORT (1234; 0: the kernel picks)\n"
	"  --backlog N   listen(fd, N) (10, as in the notes)\n"
	"  --clients M   clients that fill the accept queue (N + 2;"
	" 0: none)\n"
	"  --trace       capture the segments (root, or a private"
	" user namespace)\n"
	"  --mermaid     and draw it as a mermaid diagram (implies"
	" --trace)\n";

/* The packet socket hk_trace_open() opened, for hk_bind() to narrow to
 * the port it binds; -1: none. */
static int trace_fd = -1;

/* text as a number from 0 to max, or -1 if it is anything else. */
static int count(const char *text, long max)
{
	unsigned long n;

	if (sock_parse_uint(text, (unsigned long)max, &n) == -1)
		return -1;
	return (int)n;
}

static int bad_arg(struct hk_bad_arg *bad, const char *before,
		   const char *arg, const char *after)
{
	bad->before = before;
	bad->arg = arg;
	bad->after = after;
	return HK_ARGS_BAD;
}

static int takes_value(const char *opt)
{
	return strcmp(opt, "--host") == 0 || strcmp(opt, "--port") == 0
	       || strcmp(opt, "--backlog") == 0
	       || strcmp(opt, "--clients") == 0;
}

int hk_parse_args(int argc, char **argv, struct hk_options *o,
		  struct hk_bad_arg *bad)
{
	uint16_t port;
	int i;

	*o = (struct hk_options){ "127.0.0.1", "1234", 0, 10, -1, 0, 0 };
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (strcmp(opt, "--help") == 0)
			return HK_ARGS_HELP;
		if (strcmp(opt, "--trace") == 0) {
			o->trace = 1;
			continue;	/* it takes no value */
		}
		if (strcmp(opt, "--mermaid") == 0) {
			o->mermaid = o->trace = 1;
			continue;
		}
		if (!takes_value(opt))
			return bad_arg(bad, "unknown argument '", opt,
				       "' (see handshake --help)");
		if (val == NULL)
			return bad_arg(bad, "", opt, " needs a value"
				       " (see handshake --help)");
		if (strcmp(opt, "--host") == 0) {
			o->host = val;
		} else if (strcmp(opt, "--port") == 0) {
			if (sock_parse_port(val, &port) == -1)
				return bad_arg(bad, "bad port '", val,
					       "': a port is a number from 0"
					       " to 65535");
			o->port = val;
			o->port_given = 1;
		} else if (strcmp(opt, "--backlog") == 0) {
			o->backlog = count(val, 65535);
			if (o->backlog == -1)
				return bad_arg(bad, "bad --backlog '", val,
					       "': a number from 0 to 65535");
		} else {
			o->clients = count(val, HK_MAX_CLIENTS);
			if (o->clients == -1)
				return bad_arg(bad, "bad --clients '", val,
					       "': a number from 0 to "
					       XSTR(HK_MAX_CLIENTS));
		}
		i++;	/* past the value */
	}
	if (o->clients == -1)	/* enough to overflow the queue */
		o->clients = o->backlog + 2 < HK_MAX_CLIENTS ? o->backlog + 2
							     : HK_MAX_CLIENTS;
	return HK_ARGS_OK;
}

int hk_args(int argc, char **argv, struct hk_options *o)
{
	struct hk_bad_arg bad;

	switch (hk_parse_args(argc, argv, o, &bad)) {
	case HK_ARGS_HELP:
		fputs(hk_usage, stdout);
		return 0;
	case HK_ARGS_BAD:
		warn("%s%s%s", bad.before, bad.arg, bad.after);
		return EXIT_USAGE;
	}
	return -1;
}

int hk_trace_open(const char *port, char *note, size_t size)
{
	int fd = tcp_trace_open(), raw_err = errno;
	int given = strcmp(port, "0") != 0;

	if (fd != -1) {
		snprintf(note, size, "capturing on lo with a packet socket");
	} else if (tcp_trace_unshare() == 0 && (fd = tcp_trace_open()) >= 0) {
		snprintf(note, size, "no CAP_NET_RAW here, so this process"
			 " moved into a private network\n  namespace (as"
			 " `unshare -rn` does) and captures there.  Its"
			 " loopback is\n  its own: no other program sees"
			 " these sockets.");
	} else {
		/* A kernel-picked port is not known yet: suggest 1234. */
		snprintf(note, size, "cannot capture here.\n"
			 "  socket(AF_PACKET): %s (it needs root or"
			 " CAP_NET_RAW)\n  a private network namespace: %s\n"
			 "  To see the segments, run first, in another"
			 " terminal:\n    sudo tcpdump -i lo -n -S 'tcp port"
			 " %s'\n  and then this program%s.  Carrying on"
			 " without the capture.", strerror(raw_err),
			 strerror(errno), given ? port : "1234",
			 given ? "" : " with --port 1234");
	}
	trace_fd = fd;
	return fd;
}

socklen_t hk_addr_len(const struct sockaddr_storage *addr)
{
	return addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in);
}

int hk_bind(const char *host, const char *port,
	    struct sockaddr_storage *addr, int *gai_err, const char **call)
{
	/* ai_family 0 is AF_UNSPEC: IPv4 or IPv6, as host says. */
	struct addrinfo hints = { .ai_flags = AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	socklen_t len = sizeof *addr;
	int fd, saved, on = 1;

	*call = "getaddrinfo";
	*gai_err = getaddrinfo(host, port, &hints, &ai);
	if (*gai_err != 0)
		return -1;
	*call = "socket";
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd == -1)
		goto out_free;
	/* A rerun may bind while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	*call = "bind";
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		goto out_close;
	/* Port 0: the kernel picked one at bind(); ask which. */
	*call = "getsockname";
	if (getsockname(fd, (struct sockaddr *)addr, &len) == -1)
		goto out_close;
	/* Capturing: from now on only this port's segments, so that a busy
	 * loopback cannot crowd them out (a failure only loses that). */
	if (trace_fd != -1)
		tcp_trace_port(trace_fd, (unsigned)sock_local_port(fd));
	freeaddrinfo(ai);
	return fd;

out_close:
	saved = errno;		/* close() may change it */
	close(fd);
	errno = saved;
	fd = -1;
out_free:
	saved = errno;
	freeaddrinfo(ai);
	errno = saved;
	return fd;
}

void hk_trace_start(struct hk_trace *t, const struct hk_options *o)
{
	memset(&t->isn, 0, sizeof t->isn);
	memset(&t->drawn, 0, sizeof t->drawn);
	t->fd = -1;
	t->mermaid = o->mermaid;
	if (!o->trace)
		return;
	t->fd = hk_trace_open(o->port, t->note, sizeof t->note);
	printf("--trace: %s\n\n", t->note);
}

int hk_trace_line(struct hk_trace *t, int lfd, char *line, size_t size)
{
	unsigned port = (unsigned)sock_local_port(lfd);
	struct tcp_segment seg;

	if (t->fd == -1 || tcp_trace_next(t->fd, port, &seg, 20) != 1)
		return 0;
	tcp_segment_str(&seg, port, &t->isn, line, size);
	if (t->mermaid)
		tcp_mermaid_add(&t->drawn, &seg, port);
	return 1;
}

void hk_trace_show(struct hk_trace *t, int lfd)
{
	char line[128];

	while (hk_trace_line(t, lfd, line, sizeof line) == 1)
		printf("   captured %s\n", line);
}

void hk_trace_stop(struct hk_trace *t, int lfd)
{
	hk_trace_show(t, lfd);
	if (t->mermaid)
		tcp_mermaid_print(stdout, &t->drawn, t->fd != -1);
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

int hk_listener(struct hk_options *o, struct sockaddr_storage *addr,
		struct hk_why *why)
{
	const char *call;
	int fd, gai_err;

	fd = hk_bind(o->host, o->port, addr, &gai_err, &call);
	if (fd == -1 && !gai_err && errno == EADDRINUSE && !o->port_given) {
		fd = hk_bind(o->host, "0", addr, &gai_err, &call);
		if (fd != -1)
			printf("(port %s is taken by another program: letting"
			       " the kernel pick a free port)\n\n", o->port);
		o->port = "0";
	}
	why->before = "";
	why->host = o->host;
	why->after[0] = '\0';
	if (fd != -1)
		return fd;
	if (gai_err != 0) {
		snprintf(why->after, sizeof why->after, ": %s",
			 gai_strerror(gai_err));
	} else if (errno == EADDRINUSE) {
		why->before = "bind ";
		snprintf(why->after, sizeof why->after, " port %s: Address"
			 " already in use (another program listens there;"
			 " try --port 0)", o->port);
	} else if (strcmp(call, "bind") == 0) {
		why->before = "bind ";
		snprintf(why->after, sizeof why->after, " port %s: %s",
			 o->port, strerror(errno));
	} else {
		why->host = "";
		snprintf(why->after, sizeof why->after, "%s: %s", call,
			 strerror(errno));
	}
	return fd;
}

void hk_client_name(struct hk_client *c)
{
	socklen_t len = sizeof c->addr;

	getsockname(c->fd, (struct sockaddr *)&c->addr, &len);
}

int hk_is_ours(int fd, const struct hk_client *c, char *peer, size_t size)
{
	char mine[SOCK_ADDRSTRLEN];

	sock_peer_str(fd, peer, size);
	return strcmp(peer, sock_addr_str((const struct sockaddr *)&c->addr,
					  mine, sizeof mine)) == 0;
}

/*
 * Wait up to ms for one more of the unfinished handshakes to end.
 * Returns the fd of one that did; -1 if none did; -2 if poll() failed.
 * *left: how many were unfinished when it began.
 */
static int await_one(const struct hk_client *c, int n, int ms, int *left)
{
	struct pollfd p[HK_MAX_CLIENTS];
	int i, k = 0;

	if (n > HK_MAX_CLIENTS)
		n = HK_MAX_CLIENTS;
	/* First, which ones have ended already (a timeout of 0). */
	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = c[i].fd, .events = POLLOUT };
	if (poll(p, (nfds_t)n, 0) == -1)
		return -2;
	for (i = 0; i < n; i++)
		if (!(p[i].revents & POLLOUT))
			p[k++] = (struct pollfd){ c[i].fd, POLLOUT, 0 };
	*left = k;
	if (k == 0)
		return -1;
	/* Then wait for the others only. */
	switch (poll(p, (nfds_t)k, ms)) {
	case -1:
		return -2;
	case 0:
		return -1;
	}
	for (i = 0; i < k && !p[i].revents; i++)
		;	/* POLLOUT, or POLLERR for a refused one */
	return i < k ? p[i].fd : -1;
}

int hk_await(const struct hk_client *c, int n, int ms)
{
	int left, fd = await_one(c, n, ms, &left);

	return fd >= 0 ? fd : -1;
}

int hk_settle(const struct hk_client *c, int n)
{
	int left, fd;

	while ((fd = await_one(c, n, HK_SETTLE_MS, &left)) >= 0)
		;	/* one more ended: there may be others */
	return fd == -2 ? -1 : left;
}

void hk_server_ends(const struct hk_client *c, int n,
		    const struct sockaddr *server, int *established,
		    int *half)
{
	const char *state;
	int i;

	*established = *half = 0;
	for (i = 0; i < n; i++) {
		state = tcp_table_state(server,
					(const struct sockaddr *)&c[i].addr);
		*established += strcmp(state, "ESTABLISHED") == 0;
		*half += strcmp(state, "SYN_RECV") == 0;
	}
}

int hk_start_clients(const struct sockaddr_storage *server,
		     struct hk_client *c, int n, const char **call)
{
	int i, rc, einprogress = 0;

	for (i = 0; i < n; i++) {
		*call = "client socket";
		c[i].fd = socket(server->ss_family, SOCK_STREAM, 0);
		if (c[i].fd == -1 || sock_set_nonblock(c[i].fd, 1) == -1)
			return -1;
		*call = "connect";
		rc = connect(c[i].fd, (const struct sockaddr *)server,
			     hk_addr_len(server));
		if (rc == -1 && errno != EINPROGRESS)
			return -1;
		einprogress += rc == -1;
		hk_client_name(&c[i]);
	}
	return einprogress;
}

char *hk_syn_schedule(char *buf, size_t size)
{
	int retries = sysctl_int("net.ipv4.tcp_syn_retries", 0, 6);
	int linear = sysctl_int("net.ipv4.tcp_syn_linear_timeouts", 0, 0);
	int rto = 1, at = 0, i;
	size_t used = 0;

	buf[0] = '\0';
	/* tcp_write_timeout() and tcp_retransmit_timer() in the kernel:
	 * a SYN_SENT socket retries tcp_syn_retries + linear times; the
	 * wait doubles (up to 120 s) once more than linear retries went. */
	for (i = 1; i <= retries + linear && used < size; i++) {
		at += rto;
		used += (size_t)snprintf(buf + used, size - used, "%s%d",
					 i > 1 ? ", " : "", at);
		if (i > linear)
			rto = rto * 2 < 120 ? rto * 2 : 120;
	}
	if (used < size)
		snprintf(buf + used, size - used, " s; connect() gives up"
			 " after about %d s", at + rto);
	return buf;
}

void hk_close_all(const struct hk_client *c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(c[i].fd);
}
