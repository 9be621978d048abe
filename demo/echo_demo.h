/*
 * echo_demo.h - the other side of an echo server's demo (lesson 04):
 * scripted clients that take turns with the server and narrate on
 * stdout what they sent and what came back.  Unlike sock_util, this is
 * a demo's voice: it prints, but it never exits.
 */
#ifndef ECHO_DEMO_H
#define ECHO_DEMO_H

#include <sys/types.h>

/*
 * The echo server listens on 127.0.0.1:port and runs in process server
 * (a child of ours).  Four clients talk to it, one after another:
 *   1. the notes' text, "Hello tcp!";
 *   2. binary bytes, NUL bytes among them;
 *   3. one that resets its connection (RST) while the server waits;
 *   4. one more, to see whether the server is still there.
 * Clients 1, 2 and 4 send, shutdown(SHUT_WR) so the server sees EOF, and
 * read the echo until the server closes.  Then the server gets SIGTERM
 * and we wait for it and say how it ended.  Returns 0.
 */
int echo_demo(const char *port, pid_t server);

#endif /* ECHO_DEMO_H */
