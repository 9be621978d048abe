/* stop_signals.c - a server's stop signals.  See stop_signals.h. */
#include "stop_signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

static volatile sig_atomic_t stopped;	/* set by on_stop() */
static sigset_t wait_mask;	/* our signal mask, stop signals let in */

static void on_stop(int sig)
{
	stopped = sig;
}

int stop_signals_catch(void)
{
	struct sigaction sa;
	sigset_t stops;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) == -1
	    || sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	return sigprocmask(SIG_BLOCK, &stops, &wait_mask);
}

int stop_signal(void)
{
	return stopped;
}

int stop_wait(int fd, int for_write)
{
	fd_set fds;

	while (!stopped) {
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		if (pselect(fd + 1, for_write ? NULL : &fds,
			    for_write ? &fds : NULL, NULL, NULL, &wait_mask) > 0)
			return 1;
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

void stop_pause(int ms)
{
	struct timespec pause = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (!stopped)
		pselect(0, NULL, NULL, NULL, &pause, &wait_mask);
}
