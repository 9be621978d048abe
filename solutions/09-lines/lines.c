/*
 * lines.c - lesson 09: a line protocol on a byte stream.
 *
 *   lines                              the demo
 *   lines [--host HOST] [--port PORT]  the server, one client after
 *                                      another, until Ctrl-C
 *   lines --send HOST PORT             a client: standard input to the
 *                                      server, its replies to stdout
 *
 * TCP carries bytes, not messages: one recv() may bring half a line, a
 * line, or two and a half.  Like SMTP and POP3, this server ends each
 * command with a newline ("\n" or "\r\n"), reads them with next_line(),
 * which keeps the bytes after a newline for the next call, and answers
 * each (PING, ECHO text, ADD a b, QUIT: demo/line_commands.h) with one
 * line.  A line longer than MAX_LINE bytes gets "ERR line too long" and
 * the server closes.  Run `make lesson-09`.
 */
#include "die.h"
#include "line_commands.h"
#include "line_demo.h"
#include "quote.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINE 1024	/* bytes in a line, its "\n" or "\r\n" not counted */
#define SHOW 48		/* the demo shows this much of a long line */

/* A line reader: bytes received, not yet handed out: buf[start..end-1]. */
struct line_reader {
	int fd;
	size_t start, end;
	char buf[MAX_LINE + 2];	/* room for a whole line and its "\r\n" */
};

enum {	/* what next_line() returns when it has no line */
	LINE_ERROR = -1,	/* recv() failed: errno says why */
	LINE_EOF = -2,		/* the peer closed, after a whole line */
	LINE_UNFINISHED = -3,	/* the peer closed in the middle of one */
	LINE_TOO_LONG = -4	/* more than MAX_LINE bytes before a newline */
};

static void usage(FILE *to)
{
	fprintf(to, "usage: lines                              the demo\n"
		"       lines [--host HOST] [--port PORT]  the server (defaults"
		" 127.0.0.1, 1234)\n"
		"       lines --send HOST PORT             stdin to the server,"
		" replies to stdout\n");
}

/* Drop the line's end ("\n", then "\r"), put a NUL after what is left
 * (for the commands that want a C string).  Returns the length left. */
static size_t end_line(char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return len;
}

/*
 * EXERCISE (done): the next line.  Look for a newline in what we hold;
 * only if there is none, recv() more after it (moved to the front of
 * buf).  What follows the newline stays for the next call: pipelined
 * commands work.  A full buffer and no newline: a line too long.
 */
static ssize_t next_line(struct line_reader *r, char **line)
{
	char *nl;
	size_t len;
	ssize_t n;

	while ((nl = memchr(r->buf + r->start, '\n', r->end - r->start))
	       == NULL) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end == sizeof r->buf)
			return LINE_TOO_LONG;
		n = recv(r->fd, r->buf + r->end, sizeof r->buf - r->end, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return LINE_ERROR;
		if (n == 0)
			return r->end > 0 ? LINE_UNFINISHED : LINE_EOF;
		r->end += (size_t)n;
	}
	*line = r->buf + r->start;
	len = (size_t)(nl - *line) + 1;
	r->start += len;
	len = end_line(*line, len);
	return len > MAX_LINE ? LINE_TOO_LONG : (ssize_t)len;
}

/* Print len bytes of p quoted (the first SHOW if there are more),
 * between two texts. */
static void show(const char *before, const char *p, size_t len,
		 const char *after)
{
	if (len <= SHOW)
		printf("%s%s%s", before, quote(p, len), after);
	else
		printf("%s%s... (%zu bytes)%s", before, quote(p, SHOW), len,
		       after);
}

/*
 * Serve one client: read its lines, answer each, until it closes, quits
 * or sends a line too long; say what happened at each line.  Returns
 * the number of lines answered.
 */
static unsigned long serve_client(int fd)
{
	static const char too_long[] = "ERR line too long\n";
	struct line_reader r = { .fd = fd, .start = 0, .end = 0 };
	char reply[LINE_REPLY_MAX(sizeof r.buf)], *line;
	unsigned long answered = 0;
	ssize_t len;
	size_t n;
	int quit = 0;

	while (!quit && (len = next_line(&r, &line)) >= 0) {
		n = line_answer(line, (size_t)len, reply, sizeof reply, &quit);
		show("  line ", line, (size_t)len, " -> ");
		show("", reply, n - 1, "\n");
		if (sock_send_all(fd, reply, n) == -1) {
			printf("  send: %s\n", strerror(errno));
			return answered;
		}
		answered++;
	}
	if (quit)
		printf("  QUIT: we close the connection\n");
	else if (len == LINE_EOF)
		printf("  end of stream: the client has closed\n");
	else if (len == LINE_UNFINISHED)
		show("  the client closed in the middle of a line: ",
		     r.buf + r.start, r.end - r.start, ", no newline\n");
	else if (len == LINE_TOO_LONG && sock_send_all(fd, too_long,
						       sizeof too_long - 1) != -1)
		printf("  a line of more than %d bytes -> \"ERR line too"
		       " long\", and we close\n", MAX_LINE);
	else
		printf("  recv: %s\n", strerror(errno));
	return answered;
}

/* One step of the demo: a client, a child process, sends the script
 * piece bytes a send() (0: a line a send()), and we serve it
 * (demo/line_demo.c: the connection and the client). */
static void demo_step(const char *title, const char *script, size_t piece)
{
	printf("\n%s", title);
	if (line_demo(script, strlen(script), piece, serve_client) == -1)
		die("demo:");
}

static void demo(void)
{
	static char long_line[2 * MAX_LINE] = "ECHO ";	/* + x..x\n */

	memset(long_line + 5, 'x', sizeof long_line - 7);
	long_line[sizeof long_line - 2] = '\n';
	printf("Lesson 09: lines on a byte stream.  A client (a child process)"
	       " sends commands;\nwe serve them: next_line() cuts the bytes"
	       " into lines, and each line gets a reply.\n");
	demo_step("1. One command a send(), each once we have read the one"
		  " before:\n", "PING\nECHO hello, lines\nADD 2 40\n", 0);
	demo_step("2. Pipelined: four commands in one send():\n",
		  "PING\nECHO two at once\nADD 1 2\nQUIT\n", LINE_ALL);
	demo_step("3. One command, 3 bytes a send():\n",
		  "ECHO three bytes at a time\n", 3);
	demo_step("4. A line of 2047 bytes, more than a line may hold:\n",
		  long_line, LINE_ALL);
	demo_step("5. The client closes in the middle of a line:\n",
		  "PING\nECHO unfinished", LINE_ALL);
}

/* The server: one client after another, for ever (Ctrl-C stops it). */
static void serve(const char *host, const char *port)
{
	char where[SOCK_ADDRSTRLEN];
	unsigned long n;
	int lfd, fd, gai_err;

	lfd = sock_listen(host, port, 10, &gai_err);
	if (lfd == -1)
		die("listen %s port %s: %s", host, port, gai_err != 0 ?
		    gai_strerror(gai_err) : strerror(errno));
	sock_local_str(lfd, where, sizeof where);
	printf("listening on %s\n", where);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd == -1)
			die("accept:");
		sock_peer_str(fd, where, sizeof where);
		printf("%s connected\n", where);
		n = serve_client(fd);
		printf("%s done: %lu line%s answered\n", where, n,
		       n == 1 ? "" : "s");
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "1234";
	char error[512];
	uint16_t number;
	int i;

	set_progname(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* a log: out line by line */
	if (argc == 1) {
		demo();
	} else if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
	} else if (strcmp(argv[1], "--send") == 0) {
		if (argc != 4)
			die_usage("--send takes HOST PORT (see lines --help)");
		if (line_send(argv[2], argv[3], error, sizeof error) == -1)
			die("%s", error);
	} else {
		for (i = 1; i < argc; i += 2) {
			if (i + 1 == argc || (strcmp(argv[i], "--host") != 0
					      && strcmp(argv[i], "--port") != 0))
				die_usage("bad argument '%s' (see lines"
					  " --help)", argv[i]);
			if (argv[i][2] == 'h')
				host = argv[i + 1];
			else if (sock_parse_port(argv[i + 1], &number) == -1)
				die_usage("bad port '%s': a port is a number"
					  " from 0 to 65535", argv[i + 1]);
			else
				port = argv[i + 1];
		}
		serve(host, port);
	}
	return 0;
}
