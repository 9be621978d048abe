/* sigcount.c - count a signal instead of dying of it.  See sigcount.h. */
#include "sigcount.h"

#include <signal.h>
#include <string.h>

/* A handler may only touch a volatile sig_atomic_t (signal-safety(7)). */
static volatile sig_atomic_t count;

static void on_signal(int sig)
{
	(void)sig;
	count++;
}

int sigcount_start(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	count = 0;
	return sigaction(sig, &sa, NULL);
}

int sigcount(void)
{
	return count;
}

int sigcount_stop(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	return count;
}
