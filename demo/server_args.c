/* server_args.c - a lesson server's command line.  See server_args.h. */
#include "server_args.h"
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* What is wrong: the parts of a->why, the fifth ending the sentence. */
static enum server_mode bad(struct server_args *a, const char *w0,
			    const char *w1, const char *w2, const char *w3,
			    const char *w4)
{
	a->why[0] = w0;
	a->why[1] = w1;
	a->why[2] = w2;
	a->why[3] = w3;
	a->why[4] = w4;
	return SERVER_USAGE;
}

enum server_mode server_args(int argc, char **argv, struct server_args *a)
{
	uint16_t number;
	int i;

	a->host = "127.0.0.1";
	a->port = "1234";
	a->backlog = 10;
	for (i = 1; i < argc; i += 2) {
		const char *value = argv[i + 1];

		if (strcmp(argv[i], "--help") == 0)
			return SERVER_HELP;
		if (value == NULL)
			return bad(a, "bad arguments (see ", progname(),
				   " --help)", "", "");
		if (strcmp(argv[i], "--host") == 0) {
			a->host = value;
		} else if (strcmp(argv[i], "--port") == 0) {
			if (sock_parse_port(value, &number) == -1)
				return bad(a, "bad port '", value, "': a port"
					   " is a number from 0 to 65535", "", "");
			a->port = value;
		} else if (strcmp(argv[i], "--backlog") == 0) {
			if (sock_parse_port(value, &number) == -1)
				return bad(a, "bad backlog '", value,
					   "': a number from 0 to 65535", "", "");
			a->backlog = number;
		} else {
			return bad(a, "bad argument '", argv[i], "' (see ",
				   progname(), " --help)");
		}
	}
	return SERVER_RUN;
}

const char *server_bind_hint(int err)
{
	if (err == EADDRINUSE)
		return " (another socket listens there; ss -tlnp shows which)";
	if (err == EACCES)
		return " (ports below 1024 need root)";
	return "";
}
