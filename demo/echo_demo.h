/*
 * echo_demo.h - the other side of an echo server's demo (lesson 04):
 * scripted clients that take turns with the server and narrate on
 * stdout what they sent and what came back.  Unlike sock_util, this is
 * a demo's voice: it prints, but it never exits (but for the server's
 * child process, when it is done).
 */
#ifndef ECHO_DEMO_H
#define ECHO_DEMO_H

/*
 * The echo server listens on 127.0.0.1:port, on lfd: serve(lfd) runs it
 * in a child process of ours, which catches the stop signals first
 * (stop_signals.h) and ends with exit(0) when serve() returns, or after
 * 30 s at most (alarm: a demo that went wrong never outlives us).
 * Our copy of lfd is closed.  Four clients talk to it, one after another:
 *   1. the notes' text, "Hello tcp!";
 *   2. binary bytes, NUL bytes among them;
 *   3. one that resets its connection (RST) while the server waits;
 *   4. one more, to see whether the server is still there.
 * Clients 1, 2 and 4 send, shutdown(SHUT_WR) so the server sees EOF, and
 * read the echo until the server closes.  Then the server gets SIGTERM
 * and we wait for it and say how it ended.  Returns 0, or -1 with errno
 * if fork() failed (then nothing was said and lfd is still open).
 */
int echo_demo(int lfd, const char *port, void (*serve)(int lfd));

#endif /* ECHO_DEMO_H */
