/*
 * client.c - lesson 03: a TCP client, one system call at a time.
 *
 *   client                        the demo: plays the server's side too
 *   client [--timeout SECONDS] [HOST [PORT [MESSAGE]]]
 *
 * The course notes' client in C: resolve HOST (an IPv4 or IPv6 address,
 * or a name such as localhost) with getaddrinfo, connect to the first of
 * its addresses that answers, send MESSAGE, read the whole reply (an
 * echo server sends back exactly what it got, so: as many bytes as we
 * sent), print it and close.  Defaults: 127.0.0.1, port 1234, "Hello
 * tcp!".  Run `make lesson-03`.
 */
#include "client_args.h"
#include "die.h"
#include "sock_util.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each line of output starts with this: "  " in the demo, to indent. */
static const char *margin = "";

static void usage(FILE *to)
{
	fprintf(to,
		"usage: client [--timeout SECONDS] [HOST [PORT [MESSAGE]]]\n"
		"With no arguments: a demo that plays the server's side too.\n"
		"Sends MESSAGE (default \"Hello tcp!\") to the echo server at"
		" HOST (default\n"
		"127.0.0.1; IPv4, IPv6 or a name) on PORT (default 1234) and"
		" prints the reply.\n"
		"--timeout bounds the connect and each wait for the reply"
		" (default 10).\n");
}

/*
 * socket() and connect() to one address.  The bound is set first:
 * SO_SNDTIMEO limits connect() (on Linux: it then fails with
 * EINPROGRESS) and SO_RCVTIMEO each recv() of the reply.
 * Returns the connected socket, or -1 with errno.
 */
static int open_and_connect(const struct sockaddr *sa, socklen_t len,
			    int timeout_ms)
{
	int fd, saved;

	fd = socket(sa->sa_family, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	if (sock_set_timeout(fd, timeout_ms) == 0
	    && connect(fd, sa, len) == 0)
		return fd;
	saved = errno == EINPROGRESS ? ETIMEDOUT : errno;
	close(fd);
	errno = saved;
	return -1;
}

/* No address answered: say why, with a hint where one helps. */
static void connect_failed(const char *where, int err, int timeout_ms)
{
	if (err == ECONNREFUSED)
		die("connect %s: %s (is a server running? try make lesson-04)",
		    where, strerror(err));
	if (err == ETIMEDOUT)
		die("connect %s: %s (no answer within %g s; see --timeout)",
		    where, strerror(err), timeout_ms / 1000.0);
	errno = err;
	die("connect %s:", where);
}

/*
 * EXERCISE (done): getaddrinfo(3) turns host and port into a list of
 * addresses: one for 127.0.0.1 or ::1, one or more for a name such as
 * localhost (IPv6 and IPv4).  Try each in the order given until one
 * connects; say why each other one failed.
 */
static int connect_to(const char *host, const char *port, int timeout_ms)
{
	struct addrinfo hints, *list, *ai;
	char where[SOCK_ADDRSTRLEN];
	int fd = -1, err, saved = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;		/* IPv4 or IPv6 */
	hints.ai_socktype = SOCK_STREAM;	/* TCP */
	err = getaddrinfo(host, port, &hints, &list);
	if (err == EAI_SYSTEM)
		die("%s:", host);
	if (err != 0)
		die("%s: %s", host, gai_strerror(err));

	for (ai = list; ai != NULL; ai = ai->ai_next) {
		sock_addr_str(ai->ai_addr, where, sizeof where);
		fd = open_and_connect(ai->ai_addr, ai->ai_addrlen, timeout_ms);
		if (fd != -1)
			break;
		saved = errno;
		if (ai->ai_next != NULL)
			warn("connect %s: %s; trying the next address", where,
			     strerror(saved));
	}
	freeaddrinfo(list);
	if (fd == -1)
		connect_failed(where, saved, timeout_ms);
	return fd;
}

/* Both ends of the connection: the kernel chose our port. */
static void show_ends(int fd)
{
	char peer[SOCK_ADDRSTRLEN], local[SOCK_ADDRSTRLEN];

	printf("%sconnected to %s (from %s)\n", margin,
	       sock_peer_str(fd, peer, sizeof peer),
	       sock_local_str(fd, local, sizeof local));
}

/* send() the message.  sock_send_all calls send() until every byte is
 * out (lesson 06), with MSG_NOSIGNAL: a vanished server is an error
 * here, not a SIGPIPE that kills us. */
static void send_message(int fd, const char *msg, size_t len)
{
	if (sock_send_all(fd, msg, len) == -1)
		die("send:");
	printf("%ssent %zu bytes: %s\n", margin, len, msg);
}

/*
 * recv() the reply and print it.  For an echo it is exactly len bytes.
 * One recv() returns what has arrived so far, maybe less than asked
 * (the notes' recv(1024) hoped otherwise: lesson 05), so call it until
 * all len are here, counting the calls.
 */
static void receive_reply(int fd, size_t len, int timeout_ms)
{
	char *buf = malloc(len);
	size_t got = 0;
	ssize_t n;
	int calls = 0;

	if (buf == NULL)
		die("malloc:");
	while (got < len) {
		n = recv(fd, buf + got, len - got, 0);
		calls++;
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			die("recv: the server closed the connection after %zu"
			    " of %zu bytes", got, len);
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			die("recv: no reply within %g s (%zu of %zu bytes"
			    " came; see --timeout)", timeout_ms / 1000.0, got,
			    len);
		else if (errno != EINTR)
			die("recv: %s (after %zu of %zu bytes)",
			    strerror(errno), got, len);
	}
	printf("%sreceived %zu bytes in %d recv() call%s: ", margin, len,
	       calls, calls == 1 ? "" : "s");
	fwrite(buf, 1, len, stdout);	/* bytes, not a C string */
	putchar('\n');
	free(buf);
}

/* No arguments: a narrated run in which we are the server as well. */
static int demo(void)
{
	const char *msg = "Hello tcp!";
	size_t len = strlen(msg);
	char port[8], buf[16];
	int lfd, fd, server_end, gai_err;
	ssize_t n;

	printf("Lesson 03: a TCP client.\n\n");
	printf("1. A client needs a server.  This demo plays one too (lesson"
	       " 04 writes a\n   real one): a socket listening on a port the"
	       " kernel picks.\n");
	lfd = sock_listen("127.0.0.1", "0", 1, &gai_err);
	if (lfd == -1)
		die("listen 127.0.0.1:0:");
	snprintf(port, sizeof port, "%d", sock_local_port(lfd));
	printf("  listening on 127.0.0.1:%s\n\n", port);
	margin = "  ";

	printf("2. The client makes a socket() and connect()s to that"
	       " address:\n");
	fd = connect_to("127.0.0.1", port, 10000);
	show_ends(fd);
	server_end = accept(lfd, NULL, NULL);	/* the server's side */
	if (server_end == -1)
		die("accept:");

	printf("\n3. send() hands the bytes to the kernel, which sends"
	       " them:\n");
	send_message(fd, msg, len);

	printf("\n4. The server's side recv()s them and send()s them"
	       " back.\n");
	n = sock_recv_all(server_end, buf, len);
	if (n != (ssize_t)len || sock_send_all(server_end, buf, len) == -1)
		die("the server's side: recv or send:");

	printf("\n5. recv() until as many bytes came back as we sent:\n");
	receive_reply(fd, len, 10000);

	printf("\n6. close() ends the connection.\n\n");
	close(fd);
	close(server_end);
	close(lfd);

	printf("Next, a real server.  In another terminal:  make lesson-04"
	       " ARGS=\"--port 1234\"\nthen here:  make lesson-03"
	       " ARGS=127.0.0.1   and   make lesson-03 ARGS=localhost\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct client_args a;
	int fd;

	set_progname(argv[0]);
	if (argc == 1)
		return demo();
	switch (client_args(argc, argv, &a)) {	/* demo/client_args.c */
	case CLIENT_HELP:
		usage(stdout);
		return 0;
	case CLIENT_USAGE:
		die_usage("%s%s%s", a.why[0], a.why[1], a.why[2]);
	case CLIENT_RUN:
		break;
	}

	/* The notes' client: connect, send, receive the reply, close. */
	fd = connect_to(a.host, a.port, a.timeout_ms);
	show_ends(fd);
	send_message(fd, a.msg, strlen(a.msg));
	receive_reply(fd, strlen(a.msg), a.timeout_ms);
	close(fd);
	return 0;
}
