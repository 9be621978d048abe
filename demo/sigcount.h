/*
 * sigcount.h - count a signal instead of dying of it, for a demo that
 * shows a signal whose default action ends the process (lesson 06:
 * SIGPIPE).  One signal at a time.  Like sock_util, it never prints
 * and never exits.
 */
#ifndef SIGCOUNT_H
#define SIGCOUNT_H

/* From now on count each sig that arrives (a handler, sigaction(2)).
 * Returns 0, or -1 with errno. */
int sigcount_start(int sig);

/* How many came since sigcount_start(). */
int sigcount(void);

/* Give sig its default action back.  Returns how many came. */
int sigcount_stop(int sig);

#endif /* SIGCOUNT_H */
