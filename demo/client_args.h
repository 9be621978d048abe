/*
 * client_args.h - the command line of lesson 03's client:
 *
 *     client [--timeout SECONDS] [HOST [PORT [MESSAGE]]]
 *     client --help
 *
 * read in order, the first mistake (or --help) ending the reading.
 * Like sock_util, it never prints and never exits: it says what the
 * command line asks for, or what is wrong with it, and the lesson
 * decides what to print and how to end.
 */
#ifndef CLIENT_ARGS_H
#define CLIENT_ARGS_H

enum client_mode {
	CLIENT_RUN,	/* host, port, msg and timeout_ms are set */
	CLIENT_HELP,	/* --help: print the usage, exit 0 */
	CLIENT_USAGE	/* a usage error: print why[0..2] one after another */
};

struct client_args {
	const char *host;	/* HOST, default 127.0.0.1 */
	const char *port;	/* PORT, default 1234: 1..65535 */
	const char *msg;	/* MESSAGE, default "Hello tcp!": not empty */
	int timeout_ms;		/* --timeout SECONDS (0 < s <= 3600), in
				   milliseconds: default 10000 */
	/* What is wrong, in three parts, so that an argument of any length
	 * is shown whole: "bad port '", "70000", "': a port is ...". */
	const char *why[3];
};

/* Read the command line into *a.  Returns what to do. */
enum client_mode client_args(int argc, char **argv, struct client_args *a);

#endif /* CLIENT_ARGS_H */
