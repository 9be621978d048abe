/*
 * latency.c - the round-trip time of small messages through an echo
 * server.  `make bench` runs it against lesson 04's server and socat.
 *
 *   latency [--count N] [--size BYTES] HOST PORT
 *
 * It connects, then N times (10000 by default) sends one message of
 * BYTES bytes (32 by default, ending in a newline, so that a server that
 * echoes lines answers too) with sock_send_all() and waits for the same
 * bytes back with sock_recv_all().  One message is in flight at a time,
 * so each round trip is: send(), the kernel's loopback, the server's
 * recv() and send(), the loopback back, our recv().  It prints one line,
 * in microseconds:
 *
 *   count=N size=BYTES median=US p99=US min=US max=US
 *
 * TCP_NODELAY is set on our end: a small message must leave at once,
 * not wait for Nagle's algorithm.  The first 100 round trips warm the
 * path up and are not counted.
 */
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 100

static void usage(FILE *to)
{
	fprintf(to, "usage: latency [--count N] [--size BYTES] HOST PORT\n");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static unsigned long parse_count(const char *what, const char *text,
				 unsigned long max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0
	    || n == 0 || n > max)
		die_usage("bad %s '%s': a whole number from 1 to %lu", what,
			  text, max);
	return n;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One message there and back; returns its round-trip time. */
static double round_trip(int fd, const char *msg, char *reply, size_t size)
{
	double start = now_us();
	ssize_t n;

	if (sock_send_all(fd, msg, size) == -1)
		die("send:");
	n = sock_recv_all(fd, reply, size);
	if (n == -1)
		die("recv:");
	if ((size_t)n < size)
		die("the server closed the connection after %zd of %zu bytes",
		    n, size);
	if (memcmp(msg, reply, size) != 0)
		die("the reply differs from the message: not an echo server");
	return now_us() - start;
}

int main(int argc, char **argv)
{
	unsigned long count = 10000, size = 32, i;
	const char *host = NULL, *port = NULL;
	char *msg, *reply;
	double *rtt;
	int fd, gai_err, on = 1, a;

	set_progname(argv[0]);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[a], "--count") == 0 && a + 1 < argc) {
			count = parse_count("count", argv[++a], 10000000);
		} else if (strcmp(argv[a], "--size") == 0 && a + 1 < argc) {
			size = parse_count("size", argv[++a], 65536);
		} else if (host == NULL) {
			host = argv[a];
		} else if (port == NULL) {
			port = argv[a];
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (port == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}

	msg = malloc(size);
	reply = malloc(size);
	rtt = malloc(count * sizeof *rtt);
	if (msg == NULL || reply == NULL || rtt == NULL)
		die("malloc:");
	for (i = 0; i < size; i++)
		msg[i] = (char)('a' + i % 26);
	msg[size - 1] = '\n';

	fd = sock_connect(host, port, 5000, &gai_err);
	if (fd == -1 && gai_err != 0)
		die("%s: %s", host, gai_strerror(gai_err));
	if (fd == -1)
		die("connect %s:%s:", host, port);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
		die("setsockopt TCP_NODELAY:");
	if (sock_set_timeout(fd, 5000) == -1)	/* a stuck server: fail */
		die("setsockopt SO_RCVTIMEO:");

	for (i = 0; i < WARMUP; i++)
		round_trip(fd, msg, reply, size);
	for (i = 0; i < count; i++)
		rtt[i] = round_trip(fd, msg, reply, size);
	close(fd);

	qsort(rtt, count, sizeof *rtt, by_value);
	printf("count=%lu size=%lu median=%.1f p99=%.1f min=%.1f max=%.1f\n",
	       count, size, rtt[count / 2], rtt[count * 99 / 100], rtt[0],
	       rtt[count - 1]);
	free(rtt);
	free(reply);
	free(msg);
	return 0;
}
