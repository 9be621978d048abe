/*
 * server_args.h - the command line of a lesson's server (lessons 04
 * and 08):
 *
 *     prog [--host HOST] [--port PORT] [--backlog N]
 *     prog --help
 *
 * (prog with no argument at all is the lesson's demo: the lesson
 * checks argc == 1 first.)
 * read in order, the first mistake (or --help) ending the reading; and
 * what to say when the address it names cannot be had.
 * Like sock_util, it never prints and never exits: it says what the
 * command line asks for, or what is wrong with it, and the lesson
 * decides what to print and how to end.
 */
#ifndef SERVER_ARGS_H
#define SERVER_ARGS_H

enum server_mode {
	SERVER_RUN,	/* host, port and backlog are set */
	SERVER_HELP,	/* --help: print the usage, exit 0 */
	SERVER_USAGE	/* a usage error: print why[0..4] one after another */
};

struct server_args {
	const char *host;	/* --host, default 127.0.0.1 */
	const char *port;	/* --port, default 1234; 0: the kernel picks */
	int backlog;		/* --backlog, default 10: 0..65535 (the
				   kernel caps it at net.core.somaxconn) */
	/* What is wrong, in five parts, so that an argument of any length
	 * is shown whole: "bad port '", "70000", "': a port is ...", "",
	 * "".  The program is named as set_progname() did. */
	const char *why[5];
};

/* Read the command line into *a.  Returns what to do. */
enum server_mode server_args(int argc, char **argv, struct server_args *a);

/*
 * What a user can do when bind() failed with err, as words to add to
 * the error: " (another socket listens there; ss -tlnp shows which)"
 * for EADDRINUSE, " (ports below 1024 need root)" for EACCES, or "".
 */
const char *server_bind_hint(int err);

#endif /* SERVER_ARGS_H */
