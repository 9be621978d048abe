/*
 * crowd.h - many clients of an echo server at once, in one process:
 * the other side of lesson 08's demo, its tests (build/tools/crowd) and
 * `make bench`.  Every client connects, sends its own bytes (all 256
 * values, NUL too, different for each client and each round), reads
 * the echo back and checks every byte, round after round; then it ends
 * its side (shutdown) and waits for the server's end.  Non-blocking
 * sockets and one poll() over all of them: no client waits for another.
 *
 * Like sock_util, it never prints and never exits: results come back
 * in the struct, for the caller to print.
 */
#ifndef CROWD_H
#define CROWD_H

#include <stddef.h>

struct crowd {
	/* What to do (set by the caller). */
	int clients;		/* connections at once */
	size_t bytes;		/* each client's bytes a round */
	int rounds;		/* rounds each; with seconds: unused */
	int seconds;		/* > 0: round after round for this long */
	int timeout_ms;		/* bound on the whole run */
	/* What happened. */
	int connected;		/* clients whose connect() succeeded */
	int done;		/* clients that got every echo, byte-exact */
	int served;		/* clients that got at least one echo */
	unsigned long round_trips;	/* rounds completed, all clients */
	double worst_ms;	/* the slowest round trip */
	double elapsed_ms;	/* the whole run */
	char error[200];	/* the first failure, "" if none */
};

/*
 * Run the crowd against host:port.  Returns 0 when every client got
 * every echo byte-exact and the server's end (with seconds: when no
 * echo came back wrong; a client still waiting to connect, or for its
 * echo, when time is up is no failure), -1 otherwise (c->error says
 * what went wrong first; errno is not meaningful).
 */
int crowd_run(const char *host, const char *port, struct crowd *c);

/*
 * A client that sends and never reads: connect with 64 KiB socket
 * buffers (no autotuning), send up to bytes bytes, and return once no room came for
 * stall_ms (the server has stopped reading from us), or all were sent.
 * *fd is the connection, left open (never read: the server's echo
 * piles up); *sent what send() took.  Returns 1 (stalled), 0 (all
 * sent), -1 with errno.
 */
int crowd_hog(const char *host, const char *port, size_t bytes,
	      int stall_ms, int *fd, size_t *sent);

/* The resident memory of process pid, in kB (VmRSS in /proc/PID/status;
 * "VmHWM" for its peak).  Returns -1 if it cannot be read.  Linux. */
long crowd_memory_kb(int pid, const char *field);

#endif /* CROWD_H */
