/*
 * throughput.c - how fast sock_send_all() and sock_recv_all() move bytes
 * over loopback with one buffer size, and how many system calls it takes.
 * `make bench` runs it for every size and prints the table.
 *
 *   throughput [--total BYTES] [--seconds S] SIZE
 *   throughput --free-port
 *
 * A child process connects and sends BYTES (1 GiB by default) in
 * sock_send_all() calls of SIZE bytes, or as many as it can in S seconds
 * (10 by default) when that comes first, then closes.  The parent
 * receives in sock_recv_all() calls of SIZE bytes until end of file and
 * prints one line:
 *
 *   size=SIZE bytes=MOVED seconds=ELAPSED send_calls=N recv_calls=N
 *
 * The system calls are counted by wrapping send() and recv() at link
 * time (cc ... -Wl,--wrap=send,--wrap=recv): every call sock_util.c
 * makes goes through __wrap_send() and __wrap_recv() below, which count
 * it and call the real one.  Counting costs one addition a call.
 *
 * --free-port prints a port the kernel picked and let go, for a tool
 * that cannot be told "port 0" (iperf3).
 */
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GIB (1024ULL * 1024 * 1024)

static unsigned long long send_calls, recv_calls;

/* The link-time wrappers (see the banner), declared for
 * -Wmissing-prototypes. */
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	send_calls++;
	return __real_send(fd, buf, len, flags);
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	recv_calls++;
	return __real_recv(fd, buf, len, flags);
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: throughput [--total BYTES] [--seconds S] SIZE\n"
		"       throughput --free-port\n"
		"Moves BYTES (default 1 GiB) over loopback in SIZE-byte\n"
		"calls, stopping early after S seconds (default 10).\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long parse_count(const char *what, const char *text)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0
	    || n == 0)
		die_usage("bad %s '%s': a whole number above 0", what, text);
	return n;
}

static char *buffer(size_t size)
{
	char *buf = malloc(size);

	if (buf == NULL)
		die("malloc %zu bytes:", size);
	/* Touch every page now, not while the clock runs. */
	memset(buf, 'x', size);
	return buf;
}

/* The child: send total bytes in size-byte calls, or stop at the deadline. */
static void send_stream(const char *port, size_t size,
			unsigned long long total, double seconds, int report)
{
	char *buf = buffer(size);
	unsigned long long sent = 0;
	double deadline;
	int fd, gai_err;
	size_t chunk;

	fd = sock_connect("127.0.0.1", port, 5000, &gai_err);
	if (fd == -1)
		die("connect 127.0.0.1:%s:", port);
	deadline = now() + seconds;
	while (sent < total && now() < deadline) {
		chunk = total - sent < size ? (size_t)(total - sent) : size;
		if (sock_send_all(fd, buf, chunk) == -1)
			die("send:");
		sent += chunk;
	}
	close(fd);	/* the receiver's end of file */
	free(buf);
	/* The parent has its own counters: tell it ours. */
	dprintf(report, "%llu\n", send_calls);
	close(report);
}

/* The parent: receive in size-byte calls until end of file. */
static unsigned long long recv_stream(int fd, size_t size, double *seconds)
{
	char *buf = buffer(size);
	unsigned long long got = 0;
	double start = now();
	ssize_t n;

	do {
		n = sock_recv_all(fd, buf, size);
		if (n == -1)
			die("recv:");
		got += (unsigned long long)n;
	} while ((size_t)n == size);	/* fewer: the sender has closed */
	*seconds = now() - start;
	free(buf);
	return got;
}

static int free_port(void)
{
	int fd, gai_err, port;

	fd = sock_listen("127.0.0.1", "0", 1, &gai_err);
	if (fd == -1)
		die("listen 127.0.0.1:0:");
	port = sock_local_port(fd);
	close(fd);
	printf("%d\n", port);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long total = GIB, size = 0, moved, child_calls = 0;
	double seconds = 10, elapsed;
	char port[8];
	int lfd, fd, gai_err, i, pipefd[2], status;
	FILE *report;
	pid_t pid;

	set_progname(argv[0]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--free-port") == 0) {
			return free_port();
		} else if (strcmp(argv[i], "--total") == 0 && i + 1 < argc) {
			total = parse_count("byte count", argv[++i]);
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = (double)parse_count("seconds", argv[++i]);
		} else if (size == 0 && argv[i][0] != '-') {
			size = parse_count("buffer size", argv[i]);
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (size == 0 || size > 1024 * 1024 * 1024) {
		usage(stderr);
		return EXIT_USAGE;
	}

	lfd = sock_listen("127.0.0.1", "0", 1, &gai_err);
	if (lfd == -1)
		die("listen 127.0.0.1:0:");
	snprintf(port, sizeof port, "%d", sock_local_port(lfd));
	if (pipe(pipefd) == -1)
		die("pipe:");
	pid = fork();
	if (pid == -1)
		die("fork:");
	if (pid == 0) {
		close(lfd);
		close(pipefd[0]);
		send_stream(port, (size_t)size, total, seconds, pipefd[1]);
		exit(0);
	}
	close(pipefd[1]);
	fd = accept(lfd, NULL, NULL);
	if (fd == -1)
		die("accept:");
	close(lfd);
	moved = recv_stream(fd, (size_t)size, &elapsed);
	close(fd);

	report = fdopen(pipefd[0], "r");
	if (report == NULL || fscanf(report, "%llu", &child_calls) != 1)
		die("the sender did not report its calls");
	fclose(report);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status)
	    || WEXITSTATUS(status) != 0)
		die("the sender failed");

	printf("size=%llu bytes=%llu seconds=%.6f send_calls=%llu "
	       "recv_calls=%llu\n",
	       size, moved, elapsed, child_calls, recv_calls);
	return 0;
}
