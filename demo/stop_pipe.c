/*
 * stop_pipe.c - stop signals as bytes in a pipe.  See stop_pipe.h.
 */
#include "stop_pipe.h"
#include "sock_util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int ends[2] = { -1, -1 };

/* Async-signal-safe: write(2), and errno kept for the code we broke
 * into.  A full pipe means a stop is pending already. */
static void on_stop(int sig)
{
	unsigned char byte = (unsigned char)sig;
	int saved = errno;

	if (ends[1] != -1 && write(ends[1], &byte, 1) == -1)
		byte = 0;
	errno = saved;
}

int stop_pipe_open(void)
{
	struct sigaction sa;

	if (pipe(ends) == -1)
		return -1;
	if (sock_set_nonblock(ends[0], 1) == -1
	    || sock_set_nonblock(ends[1], 1) == -1) {
		stop_pipe_close();
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return ends[0];
}

int stop_pipe_signal(void)
{
	unsigned char byte;

	return read(ends[0], &byte, 1) == 1 ? byte : 0;
}

void stop_pipe_close(void)
{
	int fd0 = ends[0], fd1 = ends[1];

	ends[0] = ends[1] = -1;
	if (fd0 != -1)
		close(fd0);
	if (fd1 != -1)
		close(fd1);
}
