/*
 * server_args.h - the command line of a lesson's server (lesson 08):
 *
 *     prog                        the demo
 *     prog [--host HOST] [--port PORT] [--backlog N]
 *     prog --help
 *
 * Like sock_util, it never prints and never exits: it says what the
 * command line asks for, or what is wrong with it, and the lesson
 * decides what to print.
 */
#ifndef SERVER_ARGS_H
#define SERVER_ARGS_H

enum server_mode { SERVER_DEMO, SERVER_RUN, SERVER_HELP, SERVER_USAGE };

struct server_args {
	const char *host;	/* default 127.0.0.1 */
	const char *port;	/* default 1234: 0..65535, 0: the kernel picks */
	int backlog;		/* default 10: 0..65535 */
	char error[256];	/* SERVER_USAGE: what is wrong, one line */
};

/* Read the command line into a (defaults filled in).  The error names
 * the program as set_progname() did ("see pollserver --help"). */
enum server_mode server_args(int argc, char **argv, struct server_args *a);

#endif /* SERVER_ARGS_H */
