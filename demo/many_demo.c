/*
 * many_demo.c - lesson 08's demo.  See many_demo.h.  The server's log
 * (its stdout and stderr) comes to us through a pipe: we show its
 * telling lines, not one line per client.
 */
#include "many_demo.h"
#include "crowd.h"
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOG_BYTES 100000000	/* at most: the server stops it sooner */
static char log_text[1 << 18];	/* the server's log, as it comes */
static size_t log_len;

/* Read what the server has logged so far (the pipe is non-blocking). */
static void drain(int fd)
{
	ssize_t n;

	while (log_len + 1 < sizeof log_text
	       && (n = read(fd, log_text + log_len,
			    sizeof log_text - 1 - log_len)) > 0)
		log_len += (size_t)n;
	log_text[log_len] = '\0';
}

/* How many lines of the log hold what; *first: the first of them. */
static int count(const char *what, char *first, size_t size)
{
	const char *p = log_text, *end;
	int n = 0;

	while ((p = strstr(p, what)) != NULL) {
		while (p > log_text && p[-1] != '\n')
			p--;
		end = strchr(p, '\n');
		if (end == NULL)
			break;
		if (n++ == 0 && first != NULL)
			snprintf(first, size, "%.*s", (int)(end - p), p);
		p = end;
	}
	return n;
}

/* One crowd: clients at once, rounds of 1000 bytes, timeout_ms. */
static void crowd(const char *port, int clients, int rounds, int timeout_ms)
{
	struct crowd c = { .clients = clients, .bytes = 1000,
			   .rounds = rounds, .timeout_ms = timeout_ms };

	if (crowd_run("127.0.0.1", port, &c) == 0)
		printf("  all %d got every echo, byte-exact; the slowest round"
		       " trip: %.1f ms\n", clients, c.worst_ms);
	else
		printf("  %d of %d got every echo; the first failure:\n"
		       "  %s\n", c.done, clients, c.error);
}

/* Step 2: a client that sends and never reads, and the others. */
static void hog(const char *port, pid_t server)
{
	size_t sent;
	int fd, r;

	r = crowd_hog("127.0.0.1", port, HOG_BYTES, 1000, &fd, &sent);
	if (r == 1)
		printf("  the hog: the server stopped taking its bytes after"
		       " %zu\n  (no room for 1 s), and the hog reads"
		       " nothing\n", sent);
	else
		printf("  the hog: %s\n", r == 0 ? "all its bytes went" :
		       strerror(errno));
	printf("  meanwhile, 20 other clients, 2 s at most:\n");
	crowd(port, 20, 1, 2000);
	printf("  the server's memory meanwhile: VmRSS %ld kB\n",
	       crowd_memory_kb(server, "VmRSS"));
	if (fd != -1)
		close(fd);	/* its echo unread: a reset */
}

/*
 * The child: the server, its log into the pipe, 64 descriptors.  A
 * descriptor it inherited (from a shell, a terminal, a test harness)
 * would hold one of the 64 places: it closes them all, so that step 3
 * counts the same everywhere.
 */
static _Noreturn void server(many_serve_fn *serve, int lfd, int log[2])
{
	struct rlimit rl = { 64, 64 };
	int fd;

	alarm(30);	/* never outlive a demo that went wrong */
	dup2(log[1], 1);
	dup2(log[1], 2);
	for (fd = 3; fd < (int)rl.rlim_cur; fd++)
		if (fd != lfd)
			close(fd);	/* log[] among them */
	setrlimit(RLIMIT_NOFILE, &rl);
	serve(lfd);
	close(lfd);
	exit(0);	/* (stdout's buffer goes to the pipe) */
}

int many_demo(many_serve_fn *serve)
{
	char port[8], line[200];
	int lfd, log[2], err, status;
	pid_t pid;

	lfd = sock_listen("127.0.0.1", "0", 256, &err);
	if (lfd == -1 || pipe(log) == -1)
		die("listen 127.0.0.1:");
	snprintf(port, sizeof port, "%d", sock_local_port(lfd));
	printf("Lesson 08: one process, many clients.\n\n1. The server"
	       " listens on 127.0.0.1:%s (backlog 256), in a child\n"
	       "   process that may open 64 descriptors.  50 clients at"
	       " once, 3 rounds\n   of 1000 bytes each:\n", port);
	fflush(stdout);
	pid = fork();
	if (pid == -1)
		die("fork:");
	if (pid == 0)
		server(serve, lfd, log);
	close(lfd);
	close(log[1]);
	sock_set_nonblock(log[0], 1);
	crowd(port, 50, 3, 10000);
	printf("\n2. A client sends (up to %d bytes) and never reads its"
	       " echo:\n", HOG_BYTES);
	hog(port, pid);
	printf("\n3. 100 clients at once, more than the server's 64"
	       " descriptors:\n");
	crowd(port, 100, 1, 10000);
	drain(log[0]);
	err = count("Too many open files", line, sizeof line);
	if (err > 0)
		printf("  the server said, %d time%s:\n  %s\n", err,
		       err == 1 ? "" : "s", line);
	printf("\n4. SIGTERM stops the server:\n");
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	sock_set_nonblock(log[0], 0);
	drain(log[0]);
	close(log[0]);
	if (count("stopped by", line, sizeof line) > 0)
		printf("  %s\n", line);
	printf("  it exited with status %d; %d clients connected in all\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status), count(" connected\n", NULL, 0));
	printf("\nRun it for real:  make lesson-08 ARGS=\"--port 1234\"\n");
	return 0;
}
