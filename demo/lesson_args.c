/* lesson_args.c - a demo-or-client command line.  See lesson_args.h. */
#include "lesson_args.h"
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 10000

enum lesson_mode lesson_args(int argc, char **argv, const char *arg,
			     struct lesson_args *args)
{
	uint16_t port;
	int i;

	args->host = "127.0.0.1";
	args->port = "1234";
	args->arg = arg;
	args->where[0] = args->error[0] = '\0';
	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return LESSON_HELP;
	/* Options first: "--port 1234" is a mistake to name, whatever
	 * else is wrong with the line. */
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			snprintf(args->error, sizeof args->error,
				 "bad option '%s' (see %s --help)", argv[i],
				 progname());
			return LESSON_USAGE;
		}
	}
	if (argc > 4) {
		snprintf(args->error, sizeof args->error,
			 "too many arguments (see %s --help)", progname());
		return LESSON_USAGE;
	}
	if (argc == 1)
		return LESSON_DEMO;
	args->host = argv[1];
	if (argc > 2)
		args->port = argv[2];
	if (argc > 3)
		args->arg = argv[3];
	/* Port 0 would mean "any port" to bind(); a client cannot reach it. */
	if (sock_parse_port(args->port, &port) == -1 || port == 0) {
		snprintf(args->error, sizeof args->error,
			 "bad port '%s': a port is a number from 1 to 65535",
			 args->port);
		return LESSON_USAGE;
	}
	return LESSON_CLIENT;
}

int lesson_connect(struct lesson_args *args, const char *refused)
{
	char hint[256] = "";
	int fd, gai_err, saved;

	fd = sock_connect(args->host, args->port, CONNECT_TIMEOUT_MS,
			  &gai_err);
	if (fd == -1 && gai_err != 0) {
		snprintf(args->error, sizeof args->error, "%s: %s",
			 args->host, gai_strerror(gai_err));
		errno = EINVAL;
		return -1;
	}
	if (fd == -1) {
		saved = errno;
		if (saved == ECONNREFUSED) {
			strcpy(hint, " (");
			snprintf(hint + 2, sizeof hint - 3, refused, args->port);
			strcat(hint, ")");
		}
		snprintf(args->error, sizeof args->error,
			 "connect %s port %s: %s%s", args->host, args->port,
			 strerror(saved), hint);
		errno = saved;
		return -1;
	}
	sock_set_timeout(fd, CONNECT_TIMEOUT_MS);
	sock_peer_str(fd, args->where, sizeof args->where);
	return fd;
}

int lesson_count(const char *text, uint32_t *count)
{
	unsigned long n;

	if (sock_parse_uint(text, UINT32_MAX, &n) == -1)
		return -1;
	*count = (uint32_t)n;
	return 0;
}
