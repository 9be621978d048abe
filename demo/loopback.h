/*
 * loopback.h - both ends of one TCP connection in one program, for the
 * demos that need a peer of their own (lessons 05 and 06).
 *
 * Like sock_util, it never prints and never exits: functions return 0,
 * a descriptor or a process id, or -1 with errno.
 */
#ifndef LOOPBACK_H
#define LOOPBACK_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Connect to ourselves over 127.0.0.1 (a port the kernel picks) and
 * return both ends: fds[0] the connecting end, fds[1] the accepted one.
 * rcvbuf > 0 sets SO_RCVBUF of the accepted end, on the listening socket
 * before listen(), as the handshake fixes the window scale it can use;
 * sndbuf > 0 sets SO_SNDBUF of the connecting end before connect().
 * Returns 0, or -1 with errno (nothing is left open).
 */
int loopback_pair(int fds[2], int rcvbuf, int sndbuf);

/*
 * Fork a peer that sends len bytes of data on fds[1], piece bytes at a
 * time, each piece only once the one before has been read at fds[0]:
 * so a reader at fds[0] meets the pieces one by one, whatever its speed.
 * The peer closes fds[1] when done, or as soon as fds[0] hangs up
 * (shutdown or close); it gives up if a piece stays unread for 5 s.
 * The caller's copy of fds[1] is closed, so the peer's close is the
 * reader's end of file.  Returns the peer's process id (reap it with
 * waitpid), or -1 with errno.
 */
pid_t loopback_dribble(int fds[2], const void *data, size_t len,
		       size_t piece);

#endif /* LOOPBACK_H */
