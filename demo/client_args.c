/* client_args.c - lesson 03's command line.  See client_args.h. */
#include "client_args.h"
#include "sock_util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* "0.5" -> 500: milliseconds, from seconds.  Returns -1 unless text is
 * a plain number of seconds, more than 0 and at most 3600. */
static int parse_seconds(const char *text)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	/* strtod would also take spaces, a sign, "inf" and "nan". */
	if (strchr("0123456789.", text[0]) == NULL || text[0] == '\0'
	    || *end != '\0' || errno != 0 || !(s > 0) || s > 3600)
		return -1;
	return s < 0.001 ? 1 : (int)(s * 1000 + 0.5);
}

static enum client_mode bad(struct client_args *a, const char *before,
			    const char *arg, const char *after)
{
	a->why[0] = before;
	a->why[1] = arg;
	a->why[2] = after;
	return CLIENT_USAGE;
}

enum client_mode client_args(int argc, char **argv, struct client_args *a)
{
	const char **args[3] = { &a->host, &a->port, &a->msg };
	const char *value;
	uint16_t port;
	int n = 0, i;

	a->host = "127.0.0.1";
	a->port = "1234";
	a->msg = "Hello tcp!";
	a->timeout_ms = 10000;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			return CLIENT_HELP;
		} else if (strcmp(argv[i], "--timeout") == 0) {
			value = i + 1 < argc ? argv[++i] : "";
			a->timeout_ms = parse_seconds(value);
			if (a->timeout_ms == -1)
				return bad(a, "bad timeout '", value, "': a"
					   " number of seconds, such as 5 or"
					   " 0.5, at most 3600");
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return bad(a, "bad option '", argv[i],
				   "' (see client --help)");
		} else if (n < 3) {
			*args[n++] = argv[i];
		} else {
			return bad(a, "too many arguments (see client --help)",
				   "", "");
		}
	}
	if (sock_parse_port(a->port, &port) == -1 || port == 0)
		return bad(a, "bad port '", a->port,
			   "': a port is a number from 1 to 65535");
	if (a->msg[0] == '\0')
		return bad(a, "empty message: there would be nothing to echo",
			   "", "");
	return CLIENT_RUN;
}
