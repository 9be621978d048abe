/*
 * line_demo.h - the client side of lesson 09 (lines on a byte stream):
 *
 *   - the demo's scripted client, a child process at the far end of a
 *     loopback connection (loopback.h) that sends a script of commands
 *     in pieces, each piece only once the server has read the one
 *     before, so that the server's recv() meets the pieces one by one;
 *   - a client to try the server by hand, and for the tests: standard
 *     input to the server, then "that is all" (shutdown), and the
 *     server's replies to standard output until it closes.
 *
 * Like sock_util, it never prints and never exits (the child ends with
 * _exit): functions return a value, or -1 with errno and a message.
 */
#ifndef LINE_DEMO_H
#define LINE_DEMO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LINE_ALL SIZE_MAX	/* a piece: the whole script in one send() */

/*
 * Fork the demo's client: it sends len bytes of script on fds[0], piece
 * bytes a send() (piece 0: one line a send(), up to and with its "\n"),
 * each piece once the server's end, fds[1], has read the one before;
 * then it shuts down its sending side (the server sees the end of the
 * stream), reads and drops the replies until the server closes, and
 * ends.  Our copy of fds[0] is closed.  Returns the client's process id
 * (wait for it with line_script_wait), or -1 with errno.
 */
pid_t line_script(int fds[2], const void *script, size_t len, size_t piece);

/* Wait for the demo's client to end.  Returns 0, or -1 with errno. */
int line_script_wait(pid_t pid);

/*
 * One step of the demo, all of it: a loopback connection (loopback.h),
 * the client above on one end (line_script), serve() called with the
 * other end, which is then closed, and the wait for the client.
 * Returns 0, or -1 with errno (the connection or the fork failed).
 */
int line_demo(const void *script, size_t len, size_t piece,
	      unsigned long (*serve)(int fd));

/*
 * The client to try the server: connect to host on port (10 s at most,
 * each later wait bounded to 10 s), send everything standard input has,
 * shutdown(SHUT_WR), and copy every byte of the replies to standard
 * output until the server closes.  A server that closes before taking
 * everything (a line too long) is no error: its replies are copied all
 * the same.  Returns 0, or -1 with error set to one line ("connect
 * 127.0.0.1 port 1: Connection refused").
 */
int line_send(const char *host, const char *port, char *error, size_t size);

#endif /* LINE_DEMO_H */
