/*
 * stop_signals.h - Ctrl-C (SIGINT) and SIGTERM, for a server that must
 * stop cleanly whenever they come (lesson 04).  The handler only sets a
 * flag.  Both signals stay blocked except inside pselect(2), which lets
 * them in while it waits for a descriptor: so they can only come during
 * a wait, which they end.  (A flag checked just before accept() would
 * miss a signal that came after the check: accept() would sleep.)
 *
 * Like sock_util, it never prints and never exits.
 */
#ifndef STOP_SIGNALS_H
#define STOP_SIGNALS_H

/* From now on SIGINT and SIGTERM set the flag, and are blocked but in
 * stop_wait().  Returns 0, or -1 with errno. */
int stop_signals_catch(void);

/* The stop signal that came (SIGINT or SIGTERM), or 0: none yet. */
int stop_signal(void);

/*
 * Sleep until fd is ready: to read (a connection to accept(), bytes or
 * EOF to recv()), or if for_write, to take more bytes from send().
 * Returns 1; 0 if a stop signal came first (or had come); -1 with errno
 * if pselect() failed.
 */
int stop_wait(int fd, int for_write);

/* Sleep ms milliseconds, or less: a stop signal ends the pause (and
 * stop_signal() says so). */
void stop_pause(int ms);

#endif /* STOP_SIGNALS_H */
