/*
 * request.c - lesson 10: latency.  Nagle's algorithm, delayed ACKs, and
 * why a request goes in one write.
 *
 *   request                                        the demo
 *   request [--way WAY] [--count N] [HOST [PORT]]  N timed requests
 *
 * A request is a header (4 bytes: the body's length) and a body; the
 * server answers once it has both (demo/request_server.h).  Sent with
 * two send()s, the body waits: Nagle's algorithm holds a small segment
 * while an earlier one is unacknowledged, and the server's kernel delays
 * its ACK (some 40 ms), hoping to send it with a reply, which needs the
 * body.  WAY: two-sends, writev (send_request(), the default), nodelay
 * or cork.  Linux only (TCP_CORK, TCP_INFO).  Run `make lesson-10`.
 */
#include "die.h"
#include "request_server.h"
#include "round_trip.h"
#include "sock_util.h"
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define BODY 100	/* bytes in a request's body */
#define MAX_COUNT 10000	/* requests a run */
#define SHOWN 5		/* round trips shown one by one */

enum way { TWO_SENDS, WRITEV, NODELAY, CORK };
static const char *const way_name[] = { "two-sends", "writev", "nodelay",
					"cork" };
static const char *const way_text[] = {
	"two send()s, header then body", "one writev(): send_request()",
	"two send()s, TCP_NODELAY on: no Nagle, each goes at once",
	"two send()s under TCP_CORK: all held until uncorked" };

static void usage(FILE *to)
{
	fprintf(to, "usage: request [--way WAY] [--count N] [HOST [PORT]]\n"
		"N requests (20; 1 to %d) to the server at HOST (127.0.0.1) on"
		" PORT (1234),\none at a time, timed.  WAY: two-sends, writev"
		" (default), nodelay, cork.\nNo arguments: the demo.  A"
		" server: build/tools/peer requests\n", MAX_COUNT);
}

/* Header, then body: two send()s, each one whole (sock_send_all).
 * Returns 0, or -1 with errno. */
static int send_two(int fd, const void *head, size_t hlen,
		    const void *body, size_t blen)
{
	if (sock_send_all(fd, head, hlen) == -1
	    || sock_send_all(fd, body, blen) == -1)
		return -1;
	return 0;
}

/*
 * EXERCISE: send one request, header and body.  This is how most of us
 * write it first: two send()s, and every request waits some 40 ms for
 * the server's delayed ACK (step 2 of the demo is as slow as step 1).
 * Send both in one writev() (sys/uio.h: an array of two struct iovec,
 * each a pointer and a length), so that the kernel has the whole request
 * at once.  writev() may take fewer bytes than asked, like send() (run
 * `make lesson-10 SHORTIO=3`): a writev() that took 5 of 4 + 100 bytes
 * took all of the header and 1 byte of the body; call it again for the
 * rest, from the right buffer and the right byte in it, until all went.
 * -1 with errno EINTR: call again; any other -1: return -1.
 * (These two send()s also ignore their counts: lesson 06's bug.)
 * Returns 0, or -1 with errno.
 */
static int send_request(int fd, void *head, size_t hlen, void *body,
			size_t blen)
{
	if (send(fd, head, hlen, MSG_NOSIGNAL) == -1
	    || send(fd, body, blen, MSG_NOSIGNAL) == -1)
		return -1;
	return 0;
}

/* Send request n the way asked (the last one followed by our end of
 * stream, shutdown) and wait for its reply.  Returns the round trip in
 * ms; dies unless the server got every byte as sent. */
static double one_request(int fd, enum way way, unsigned long n, int last)
{
	unsigned char body[BODY];
	uint32_t head = htonl(BODY), reply[2], sum;
	double start = rt_now_ms();
	int on = 1, off = 0, failed;
	ssize_t got;

	stream_fill(body, n, BODY);	/* a different body each time */
	if (way == WRITEV)
		failed = send_request(fd, &head, 4, body, BODY);
	else if (way == CORK)	/* hold everything until uncorked */
		failed = setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on)
			 || send_two(fd, &head, 4, body, BODY)
			 || setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off,
				       sizeof off);
	else
		failed = send_two(fd, &head, 4, body, BODY);
	if (failed || (last && shutdown(fd, SHUT_WR) == -1))
		die("request %lu: send:", n);
	got = sock_recv_all(fd, reply, sizeof reply);
	if (got != (ssize_t)sizeof reply)
		die("request %lu: no reply (%s): did the server get every"
		    " byte?", n, got != -1 ? "the server closed" : errno ==
		    EAGAIN ? "none in 10 s" : strerror(errno));
	sum = stream_sum(STREAM_SUM_START, body, BODY);
	if (ntohl(reply[0]) != BODY || ntohl(reply[1]) != sum)
		die("request %lu: the server got %lu bytes, checksum %08lx;"
		    " we sent %d, checksum %08lx", n,
		    (unsigned long)ntohl(reply[0]),
		    (unsigned long)ntohl(reply[1]), BODY, (unsigned long)sum);
	return rt_now_ms() - start;
}

/* count requests over a new connection to host:port, the way asked;
 * print what they took.  Returns their median round trip, in ms, and
 * sets *first to the first one's. */
static double run(const char *host, const char *port, enum way way,
		  unsigned long count, int demo, double *first)
{
	static double ms[MAX_COUNT];
	char where[SOCK_ADDRSTRLEN], text[512];
	unsigned long i;
	double median;
	int fd, gai_err, on = 1;

	fd = sock_connect(host, port, 10000, &gai_err);
	if (fd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (fd == -1)
		die("connect %s port %s: %s%s%s%s", host, port, strerror(errno),
		    errno == ECONNREFUSED ? " (is a server running? try"
		    " build/tools/peer --port " : "", errno == ECONNREFUSED ?
		    port : "", errno == ECONNREFUSED ? " requests)" : "");
	sock_set_timeout(fd, 10000);
	if (way == NODELAY && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
					 sizeof on) == -1)
		die("setsockopt TCP_NODELAY:");
	sock_peer_str(fd, where, sizeof where);
	if (!demo)
		printf("%lu request%s to %s (--way %s):\n", count,
		       count == 1 ? "" : "s", where, way_name[way]);
	for (i = 0; i < count; i++)
		ms[i] = one_request(fd, way, i + 1, i + 1 == count);
	*first = ms[0];
	median = rt_summary(fd, ms, count, SHOWN, text, sizeof text);
	printf("  every reply right: the server got every byte\n%s", text);
	close(fd);
	return median;
}

/* The demo: a server in a child process, 20 requests each way. */
static void demo(void)
{
	double two = 0, median, first;
	char port[8];
	int way, number;
	pid_t server = request_server(&number, CORK + 1);

	if (server == -1)
		die("the demo's server:");
	snprintf(port, sizeof port, "%d", number);
	printf("Lesson 10: latency.  A server (a child process) answers"
	       " requests one at a time;\neach is a 4-byte header (the"
	       " body's length) and a %d-byte body.  20 requests\neach way,"
	       " on a new connection each way, each round trip measured.\n",
	       BODY);
	for (way = TWO_SENDS; way <= CORK; way++) {
		printf("\n%d. %s:\n", way + 1, way_text[way]);
		median = run("127.0.0.1", port, (enum way)way, 20, 1, &first);
		if (way == TWO_SENDS && first * 3 < median)
			printf("  the first is fast (quick-ACK at a connection's"
			       " start); then each body waits\n  for the"
			       " header's ACK, which the server's kernel delays\n");
		if (way == TWO_SENDS)
			two = median;
		else if (median * 3 < two)
			printf("  %.0f times faster than two send()s\n",
			       two / median);
		else
			printf("  as slow as two send()s: the stall is still"
			       " there (EXERCISE)\n");
	}
	request_server_wait(server);	/* it ends after the last way */
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "1234";
	unsigned long count = 20;
	double first;
	uint16_t number;
	int i, way = WRITEV, args = 0;

	set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* writev() has no MSG_NOSIGNAL */
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc == 1)
		demo();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--way") == 0 && i + 1 < argc) {
			for (way = TWO_SENDS; way <= CORK; way++)
				if (strcmp(argv[i + 1], way_name[way]) == 0)
					break;
			if (way > CORK)
				die_usage("bad way '%s': two-sends, writev,"
					  " nodelay or cork", argv[i + 1]);
			i++;
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			if (sock_parse_uint(argv[++i], MAX_COUNT, &count) == -1
			    || count == 0)
				die_usage("bad count '%s': a number from 1 to"
					  " %d", argv[i], MAX_COUNT);
		} else if (argv[i][0] == '-' || args == 2) {
			die_usage("bad argument '%s' (see request --help)",
				  argv[i]);
		} else if (args++ == 0) {
			host = argv[i];
		} else if (sock_parse_port(argv[i], &number) == -1
			   || number == 0) {
			die_usage("bad port '%s': a port is a number from 1 to"
				  " 65535", argv[i]);
		} else {
			port = argv[i];
		}
	}
	if (argc > 1)
		run(host, port, (enum way)way, count, 0, &first);
	return 0;
}
