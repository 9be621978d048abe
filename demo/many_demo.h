/*
 * many_demo.h - lesson 08's demo: crowds of clients (crowd.h) against
 * the lesson's server, which runs in a child process, narrated on
 * stdout.  Like echo_demo, a demo's voice: it prints, never exits.
 */
#ifndef MANY_DEMO_H
#define MANY_DEMO_H

/* The server: serves the listening socket lfd until a stop signal. */
typedef void many_serve_fn(int lfd);

/*
 * Listen on a port the kernel picks, start serve() on it in a child
 * process whose descriptor limit is 64 (RLIMIT_NOFILE), and send it:
 *   1. 50 clients at once, each echoed byte-exact;
 *   2. a client that sends (up to 100 MB) and never reads, until the
 *      server stops taking its bytes; meanwhile 20 other clients, each
 *      of which should get its echo at once; and the server's memory
 *      (VmRSS) while it holds the hog;
 *   3. once the hog has gone, 100 clients at once: more than 64
 *      descriptors, so accept() fails (EMFILE) and the rest wait;
 *   4. SIGTERM.
 * Returns 0 (the demo's exit status).
 */
int many_demo(many_serve_fn *serve);

#endif /* MANY_DEMO_H */
