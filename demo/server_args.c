/*
 * server_args.c - a lesson server's command line.  See server_args.h.
 */
#include "server_args.h"
#include "die.h"
#include "sock_util.h"

#include <stdio.h>
#include <string.h>

enum server_mode server_args(int argc, char **argv, struct server_args *a)
{
	uint16_t number;
	int i;

	a->host = "127.0.0.1";
	a->port = "1234";
	a->backlog = 10;
	a->error[0] = '\0';
	if (argc == 1)
		return SERVER_DEMO;
	for (i = 1; i < argc; i += 2) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--help") == 0)
			return SERVER_HELP;
		if (value == NULL) {
			snprintf(a->error, sizeof a->error, "bad arguments"
				 " (see %s --help)", progname());
			return SERVER_USAGE;
		}
		if (strcmp(argv[i], "--host") == 0) {
			a->host = value;
		} else if (strcmp(argv[i], "--port") == 0
			   && sock_parse_port(value, &number) == 0) {
			a->port = value;
		} else if (strcmp(argv[i], "--backlog") == 0
			   && sock_parse_port(value, &number) == 0) {
			a->backlog = number;
		} else {
			snprintf(a->error, sizeof a->error, "bad argument"
				 " '%s %s' (see %s --help)", argv[i], value,
				 progname());
			return SERVER_USAGE;
		}
	}
	return SERVER_RUN;
}
