/*
 * lesson_args.h - the command line of the lessons that are a demo and
 * a client in one program (lessons 05 and 06):
 *
 *     prog                        the demo
 *     prog [HOST [PORT [ARG]]]    a client of HOST on PORT (defaults
 *                                 127.0.0.1 and 1234; ARG is the
 *                                 lesson's: a message, a byte count)
 *     prog --help                 the usage
 *
 * and the client's connection.  Like sock_util, it never prints and
 * never exits: it says what the command line asks for, or what went
 * wrong, and the lesson decides what to print and how to end.
 */
#ifndef LESSON_ARGS_H
#define LESSON_ARGS_H

#include "sock_util.h"

#include <stdint.h>

enum lesson_mode {
	LESSON_DEMO,	/* no arguments: run the demo */
	LESSON_CLIENT,	/* host, port and arg are set (defaults filled in) */
	LESSON_HELP,	/* --help alone: print the usage, exit 0 */
	LESSON_USAGE	/* a usage error, described in error */
};

struct lesson_args {
	const char *host;		/* HOST, default 127.0.0.1 */
	const char *port;		/* PORT, default 1234: 1..65535 */
	const char *arg;		/* ARG, or the lesson's default */
	char where[SOCK_ADDRSTRLEN];	/* the server, once connected */
	char error[512];		/* what went wrong, one line */
};

/*
 * Read the command line.  Any argument that starts with "--" (but
 * --help alone) is a bad option, more than three arguments are too
 * many, and PORT must be a port number; the messages name the program
 * as set_progname() did ("bad option '--port' (see reader --help)").
 * ARG is left to the lesson to check.  Returns what to do; for
 * LESSON_USAGE, error says why.
 */
enum lesson_mode lesson_args(int argc, char **argv, const char *arg,
			     struct lesson_args *args);

/*
 * Connect to args->host on args->port, 10 s at most, as the lessons'
 * clients do, and bound every later send() and recv() on the socket to
 * 10 s (SO_SNDTIMEO, SO_RCVTIMEO), so that a peer that stops cannot
 * hang us.  Sets args->where to the peer's address.  Returns the
 * socket, or -1 with errno (ECONNREFUSED: nobody listens there; EINVAL:
 * the name did not resolve) and error set ("connect 127.0.0.1 port 1:
 * Connection refused", "nosuch: Name or service not known").  A refused
 * connection's error ends with refused, the lesson's hint, between
 * parentheses, its %s replaced by the port: "(is a server running? try
 * make lesson-04)".
 */
int lesson_connect(struct lesson_args *args, const char *refused);

/*
 * Parse a count of bytes: exactly the decimal numbers 0..4294967295
 * (what a 4-byte length can say), nothing else: no sign, no spaces, no
 * trailing text, no empty string.  Returns 0 and stores the count, or
 * -1 with errno EINVAL (not a number) or ERANGE (too big).
 */
int lesson_count(const char *text, uint32_t *count);

#endif /* LESSON_ARGS_H */
