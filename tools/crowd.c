/*
 * crowd.c - many clients of an echo server at once (demo/crowd.h), for
 * lesson 08's tests and `make bench`; or one client that never reads.
 *
 *   crowd [--clients N] [--bytes B] [--rounds R] [--timeout SECONDS]
 *         HOST PORT       N clients at once (default 200), each sending
 *                         B bytes (1000) and checking the echo, R rounds
 *                         (1), all within the timeout (10 s)
 *   crowd --seconds S ... round trips for S seconds; prints key=value
 *   crowd --hog BYTES [--stall MS] HOST PORT
 *                         send BYTES and never read; say when the server
 *                         stops taking them (no room for MS, 1000), then
 *                         hold the connection until killed (60 s at most)
 *
 * Exits 0 when every client got every echo byte-exact, 1 otherwise, 2
 * on a usage error.
 */
#include "crowd.h"
#include "die.h"
#include "sock_util.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fprintf(to,
		"usage: crowd [--clients N] [--bytes B] [--rounds R]"
		" [--seconds S] [--timeout S]\n"
		"             HOST PORT\n"
		"       crowd --hog BYTES [--stall MS] HOST PORT\n");
}

static int number(const char *text, unsigned long max)
{
	unsigned long n;

	if (sock_parse_uint(text, max, &n) == -1 || n == 0)
		die_usage("bad number '%s': 1 to %lu", text, max);
	return (int)n;
}

static int hog(const char *host, const char *port, size_t bytes,
	       int stall_ms)
{
	size_t sent;
	int fd = -1, r;

	r = crowd_hog(host, port, bytes, stall_ms, &fd, &sent);
	if (r == -1)
		die("hog %s port %s:", host, port);
	if (r == 1)
		printf("hog: the server stopped reading: no room for %d ms"
		       " after %zu bytes\n", stall_ms, sent);
	else
		printf("hog: sent all %zu bytes, and reads nothing\n", sent);
	fflush(stdout);
	alarm(60);	/* hold it, never reading, until killed */
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct crowd c = { .clients = 200, .bytes = 1000, .rounds = 1,
			   .timeout_ms = 10000 };
	const char *host = NULL, *port = NULL;
	int i, hog_bytes = 0, stall_ms = 1000;

	set_progname(argv[0]);
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strncmp(argv[i], "--", 2) == 0 && v == NULL) {
			die_usage("%s needs a value", argv[i]);
		} else if (strcmp(argv[i], "--clients") == 0) {
			c.clients = number(argv[++i], 100000);
		} else if (strcmp(argv[i], "--bytes") == 0) {
			c.bytes = (size_t)number(argv[++i], INT_MAX);
		} else if (strcmp(argv[i], "--rounds") == 0) {
			c.rounds = number(argv[++i], INT_MAX);
		} else if (strcmp(argv[i], "--seconds") == 0) {
			c.seconds = number(argv[++i], 3600);
		} else if (strcmp(argv[i], "--timeout") == 0) {
			c.timeout_ms = 1000 * number(argv[++i], 3600);
		} else if (strcmp(argv[i], "--hog") == 0) {
			hog_bytes = number(argv[++i], INT_MAX);
		} else if (strcmp(argv[i], "--stall") == 0) {
			stall_ms = number(argv[++i], 60000);
		} else if (host == NULL) {
			host = argv[i];
		} else if (port == NULL) {
			port = argv[i];
		} else {
			die_usage("unexpected argument '%s'", argv[i]);
		}
	}
	if (port == NULL)
		die_usage("HOST and PORT are needed (see crowd --help)");
	if (hog_bytes > 0)
		return hog(host, port, (size_t)hog_bytes, stall_ms);
	if (crowd_run(host, port, &c) == 0 && c.seconds > 0)
		printf("clients=%d connected=%d served=%d round_trips=%lu"
		       " seconds=%d rate=%.0f worst_ms=%.1f\n", c.clients,
		       c.connected, c.served, c.round_trips, c.seconds,
		       (double)c.round_trips / c.seconds, c.worst_ms);
	else if (c.error[0] == '\0')
		printf("%d clients, %d round%s of %zu bytes each: every echo"
		       " byte-exact; the slowest round trip %.1f ms\n",
		       c.clients, c.rounds, c.rounds == 1 ? "" : "s", c.bytes,
		       c.worst_ms);
	else
		die("%d of %d clients got every echo; the first failure:"
		    " %s", c.done, c.clients, c.error);
	return 0;
}
