/*
 * confirm.h - the other end of lesson 07's closer: a peer that reads a
 * request to its end (the client's FIN) and confirms it with one line,
 * "ok N\n" (N: how many bytes it got), then closes; or one that does
 * something else on purpose, for the demo and the tests
 * (build/tools/peer MODE runs these too):
 *
 *   confirm    read to the end, confirm, close
 *   extra      first send some bytes the client did not ask for (a
 *              banner, news), then as confirm
 *   stall      read to the end, then say "wait" every 200 ms and never
 *              confirm, until the client goes
 *   reset      read to the end, then reset the connection (SO_LINGER
 *              {1, 0}) instead of confirming
 *   hangup     read to the end, then close without a word (a FIN)
 *   miscount   confirm one byte fewer than it got
 *
 * Like sock_util, it never prints and never exits: what the peer saw
 * comes back as one line of text, for the caller to print.
 */
#ifndef CONFIRM_H
#define CONFIRM_H

#include <stddef.h>
#include <sys/types.h>

enum confirm_how {
	CONFIRM_OK, CONFIRM_EXTRA, CONFIRM_STALL, CONFIRM_RESET,
	CONFIRM_HANGUP, CONFIRM_MISCOUNT
};

/* The mode of that name ("confirm", "extra", ...).  Returns 0, or -1
 * if there is none. */
int confirm_mode(const char *name, enum confirm_how *how);

/*
 * Serve one client on fd as how says (extra: how many bytes to send
 * first; the others ignore it), every wait bounded to 10 s.  Writes
 * what happened into said, one line ("got 10 bytes and the end;
 * confirmed: ok 10").  Leaves fd open for the caller to close (for
 * CONFIRM_RESET, with SO_LINGER {1, 0} set: that close() resets).
 */
void confirm_serve(int fd, enum confirm_how how, size_t extra, char *said,
		   size_t size);

/* A peer in a child process, for a demo. */
struct confirm_peer {
	pid_t pid;
	int report;		/* the pipe its line comes back on */
	char said[160];		/* its line, once it has ended */
};

/*
 * Serve fds[1], the far end of a loopback connection (loopback.h), in
 * a child process, as confirm_serve() does; our copy of fds[1] is
 * closed, so the child's close ends the connection.  Returns 0, or -1
 * with errno (pipe, fork): then nothing was started.
 */
int confirm_peer(struct confirm_peer *p, int fds[2], enum confirm_how how,
		 size_t extra);

/* Wait for the child to end; returns its line, in p->said. */
const char *confirm_peer_wait(struct confirm_peer *p);

#endif /* CONFIRM_H */
