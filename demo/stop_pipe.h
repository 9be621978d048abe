/*
 * stop_pipe.h - SIGINT and SIGTERM as a byte in a pipe (the self-pipe
 * trick), for a server that waits in poll(): the pipe's read end goes
 * into its poll() set, so a stop signal wakes it like any ready socket,
 * without a race between checking a flag and going to sleep (lesson 04
 * does the same with pselect(), whose fd_set cannot hold descriptors
 * past FD_SETSIZE, 1024: too few for lesson 08).  POSIX; one pipe per
 * process.  Like sock_util, it never prints and never exits.
 */
#ifndef STOP_PIPE_H
#define STOP_PIPE_H

/* Catch SIGINT and SIGTERM from now on.  Returns the pipe's read end,
 * readable once a stop signal came, or -1 with errno. */
int stop_pipe_open(void);

/* The stop signal that came (SIGINT, SIGTERM), or 0 if none yet. */
int stop_pipe_signal(void);

/* Close the pipe (the handlers stay, and ignore what comes later). */
void stop_pipe_close(void);

#endif /* STOP_PIPE_H */
