/* echo_demo.c - the scripted clients of an echo server's demo. */
#include "echo_demo.h"
#include "sock_util.h"
#include "stop_signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEMO_TIMEOUT_MS 2000	/* every step; the demo never hangs */

/*
 * One client: connect, send len bytes, then either say "that is all"
 * (shutdown: the server sees EOF) and read the echo until the server
 * closes, or (reset) wait for the first byte of the echo, so the server
 * is back waiting for more, and close with SO_LINGER 0: that sends RST.
 * Returns the bytes that came back, or -1 with errno and *step set.
 */
static ssize_t exchange(const char *port, const char *data, size_t len,
			int reset, char *back, size_t size, const char **step)
{
	struct linger now = { .l_onoff = 1, .l_linger = 0 };
	ssize_t got = -1;
	int fd, gai_err, saved;

	*step = "connect";
	fd = sock_connect("127.0.0.1", port, DEMO_TIMEOUT_MS, &gai_err);
	if (fd == -1)
		return -1;
	*step = "send";
	if (sock_set_timeout(fd, DEMO_TIMEOUT_MS) == -1
	    || sock_send_all(fd, data, len) == -1)
		goto out_close;
	*step = "recv";
	if (reset) {
		got = sock_recv_all(fd, back, 1);
		if (got >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &now,
				   sizeof now);
	} else if (shutdown(fd, SHUT_WR) == 0) {
		got = sock_recv_all(fd, back, size);
	}
out_close:
	saved = errno;
	close(fd);
	errno = saved;
	return got;
}

/* Run client n and say what it saw.  The reset client speaks first:
 * what the server says about it comes after the reset. */
static void client(const char *port, int n, const char *data, size_t len,
		   int reset)
{
	char back[64];
	const char *step;
	ssize_t got;

	if (reset)
		printf("  client %d: sends %zu bytes, reads 1 byte of the"
		       " echo, resets\n", n, len);
	fflush(stdout);
	got = exchange(port, data, len, reset, back, sizeof back, &step);
	if (got == -1)
		printf("  client %d: %s: %s\n", n, step, strerror(errno));
	else if (!reset && (size_t)got == len && memcmp(back, data, len) == 0)
		printf("  client %d: sent %zu bytes, all %zd came back\n", n,
		       len, got);
	else if (!reset)
		printf("  client %d: sent %zu bytes, %zd came back: bytes"
		       " were lost\n", n, len, got);
	fflush(stdout);
}

int echo_demo(int lfd, const char *port, void (*serve)(int lfd))
{
	pid_t server;
	int status;

	fflush(stdout);		/* nothing printed twice, by both processes */
	server = fork();
	if (server == -1)
		return -1;
	if (server == 0) {
		alarm(30);	/* never outlive a demo that went wrong */
		stop_signals_catch();
		serve(lfd);
		close(lfd);
		exit(0);
	}
	close(lfd);

	printf("\n2. Two clients send their bytes (the second one NUL bytes"
	       " too), shutdown()\n   their sending side (EOF) and read the"
	       " echo until the server closes:\n");
	client(port, 1, "Hello tcp!", 10, 0);
	client(port, 2, "tcp\0bytes\0\377\1", 12, 0);

	printf("\n3. Client 3 resets its connection while the server waits"
	       " for more;\n   client 4 checks that the server is still"
	       " there:\n");
	client(port, 3, "reset", 5, 1);
	client(port, 4, "Still there?", 12, 0);

	printf("\n4. SIGTERM (kill's signal; Ctrl-C sends SIGINT) stops the"
	       " server:\n");
	fflush(stdout);
	kill(server, SIGTERM);
	if (waitpid(server, &status, 0) == -1)
		printf("  waitpid: %s\n", strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("  it exited with status 0, having served every"
		       " client.\n");
	else if (WIFEXITED(status))
		printf("  it was already gone: it had exited with status %d."
		       "\n  One client took the whole server down.\n",
		       WEXITSTATUS(status));
	else
		printf("  it was already gone: signal %d (%s) had killed it."
		       "\n  One client took the whole server down.\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 0;
}
