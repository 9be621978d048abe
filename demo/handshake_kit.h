/*
 * handshake_kit.h - the machinery of lesson 02's program (handshake.c),
 * kept here so that the program itself tells only the handshake: its
 * command line, the capture's setup, the listening socket's name lookup
 * and bind(), and the bookkeeping of many non-blocking clients at once.
 *
 * Nothing here exits, and most of it only returns text and numbers for
 * the program to print (the SYN retry times, why bind() failed).  Like
 * tcp_mermaid, though, this is also the demo's voice where the lesson
 * has nothing to say: hk_args() prints the usage or a usage error,
 * hk_listener() that it moved off a taken port, and hk_trace_start(),
 * hk_trace_show() and hk_trace_stop() print what --trace captures.
 * The calls whose effect on the wire the lesson shows (listen(),
 * connect(), accept(), close()) stay in the lesson.
 */
#ifndef HANDSHAKE_KIT_H
#define HANDSHAKE_KIT_H

#include <stddef.h>
#include <sys/socket.h>

#include "tcp_mermaid.h"
#include "tcp_trace.h"

/* The most clients the demo opens at once (--clients M). */
#define HK_MAX_CLIENTS 200

/* The command line, with the notes' defaults: 127.0.0.1, 1234, 10. */
struct hk_options {
	const char *host, *port;
	int port_given;	/* --port was on the command line */
	int backlog;	/* listen(fd, backlog) */
	int clients;	/* --clients M; unsaid, backlog + 2 (at most
			   HK_MAX_CLIENTS): enough to overflow the queue */
	int trace;	/* --trace */
	int mermaid;	/* --mermaid: draw the capture (implies --trace) */
};

/*
 * What was wrong on the command line, in three parts to print one after
 * the other: before "bad port '", arg "70000", after "': a port is a
 * number from 0 to 65535".  Parts, not one buffer, so that an argument
 * of any length is shown whole.
 */
struct hk_bad_arg {
	const char *before, *arg, *after;
};

#define HK_ARGS_OK   0
#define HK_ARGS_HELP 1	/* --help: show the usage, exit 0 */
#define HK_ARGS_BAD  2	/* a usage error: *bad says what */

/*
 * Read handshake's options: --host HOST, --port PORT (0..65535),
 * --backlog N (0..65535), --clients M (0..HK_MAX_CLIENTS), --trace,
 * --mermaid (which implies --trace), --help.  Stops at --help or at
 * the first mistake.
 * Returns HK_ARGS_OK, HK_ARGS_HELP or HK_ARGS_BAD.
 */
int hk_parse_args(int argc, char **argv, struct hk_options *o,
		  struct hk_bad_arg *bad);

/* What `handshake --help` prints. */
extern const char hk_usage[];

/*
 * The command line, for main(): hk_parse_args(), and what it found said
 * here: --help prints hk_usage on stdout, a mistake one line on stderr
 * ("handshake: bad --backlog 'x': ...", as die_usage() has it).
 * Returns -1 to run the demo, or main()'s exit status: 0 after --help,
 * EXIT_USAGE after a mistake.
 */
int hk_args(int argc, char **argv, struct hk_options *o);

/*
 * --trace: open a packet socket on lo (tcp_trace_open()); without
 * CAP_NET_RAW, move into a private network namespace and open it there
 * (tcp_trace_unshare()).  Call it before opening any other socket.
 * note gets what happened, for hk_trace_start() to print after "--trace: ":
 * how it captures, or why it cannot and the tcpdump command that shows
 * the same segments on port (the one the user asked for; "0": 1234).
 * Returns the packet socket, or -1 (nothing to capture with).  hk_bind()
 * then narrows it to the port it binds (tcp_trace_port()).
 */
int hk_trace_open(const char *port, char *note, size_t size);

/*
 * A listening socket up to its listen(): resolve host:port (IPv4 or
 * IPv6, as host says), socket(), SO_REUSEADDR and bind() to the first
 * address; its address as bound goes into *addr (with the port the
 * kernel picked, when port is "0").
 * Returns the socket, or -1 with nothing left open and *call naming the
 * step that failed: "getaddrinfo" (*gai_err is its code: print it with
 * gai_strerror), or "socket", "bind", "getsockname" (errno says why).
 */
int hk_bind(const char *host, const char *port,
	    struct sockaddr_storage *addr, int *gai_err, const char **call);

/* --trace's capture, while the demo runs. */
struct hk_trace {
	int fd;			/* the packet socket, or -1: no capture */
	struct tcp_isn isn;	/* the connection's first sequence numbers */
	char note[1024];	/* what hk_trace_start() did */
	int mermaid;		/* --mermaid: keep what is captured ... */
	struct tcp_mermaid drawn;	/* ... here, for hk_trace_mermaid() */
};

/*
 * If o asks for --trace, start the capture (hk_trace_open()) and print
 * "--trace: " and t->note, how it captures or why it cannot: call it
 * before opening any other socket.  Without --trace, t->fd is -1.
 */
void hk_trace_start(struct hk_trace *t, const struct hk_options *o);

/*
 * The next segment captured by t to or from the listener lfd's port, as
 * a line of text in line (the flags, sequence numbers relative to the
 * first ones, the window: tcp_segment_str()).
 * Returns 1, or 0 once none comes within 20 ms (or there is no capture).
 */
int hk_trace_line(struct hk_trace *t, int lfd, char *line, size_t size);

/* Print each segment captured since the last call (hk_trace_line()), as
 * "   captured " and its line; nothing without --trace. */
void hk_trace_show(struct hk_trace *t, int lfd);

/* The end of --trace: print the segments captured since the last
 * hk_trace_show() and, with --mermaid, all of them as a mermaid diagram
 * (tcp_mermaid_print()); then stop the capture.  Call it while the
 * listener lfd is open. */
void hk_trace_stop(struct hk_trace *t, int lfd);

/* Why hk_listener() failed, in three parts to print one after the
 * other: "bind ", the host, " port 1234: Permission denied". */
struct hk_why {
	const char *before, *host;
	char after[160];
};

/*
 * Steps 1 and 2's machinery: hk_bind() to o->host and o->port.  When
 * that port is taken and --port did not ask for it, the demo runs all
 * the same: o->port becomes "0", the kernel picks a free port, and a
 * line says so (beside a lesson 04 server, say).
 * Returns the socket, or -1 with *why set (nothing is left open).
 */
int hk_listener(struct hk_options *o, struct sockaddr_storage *addr,
		struct hk_why *why);

/* The length connect() takes for addr, by its family. */
socklen_t hk_addr_len(const struct sockaddr_storage *addr);

/* One client of the demo: its socket and its end of the connection. */
struct hk_client {
	int fd;
	struct sockaddr_storage addr;	/* its local address and port */
};

/* Fill c->addr with c->fd's local address (getsockname()), once its
 * connect() has begun and so bound it. */
void hk_client_name(struct hk_client *c);

/*
 * Whether the connection accept() returned as fd comes from client c:
 * on a port shared with another program, its client may come first.
 * peer gets fd's peer address as text (sock_peer_str()), to print.
 * Returns 1 if it is c's, 0 if not.
 */
int hk_is_ours(int fd, const struct hk_client *c, char *peer, size_t size);

/*
 * Wait at most ms for the handshake of one more of the n clients (at
 * most HK_MAX_CLIENTS), whose connect() is under way on non-blocking
 * sockets, to end: poll() finds a connecting socket writable then
 * (POLLOUT, or POLLERR when refused).
 * Returns the descriptor of one that ended, or -1: none did in time, or
 * poll() failed (errno).
 */
int hk_await(const struct hk_client *c, int n, int ms);

/* How long the demo waits for a dropped SYN to come again: its first
 * retry goes after 1 s, 2 s or 3 s (hk_syn_schedule()). */
#define HK_RETRY_S 4

/* How long no handshake must end for hk_settle() to call them settled:
 * ample for any handshake on loopback. */
#define HK_SETTLE_MS 100

/*
 * Wait until no more handshakes end: until HK_SETTLE_MS pass with none
 * ending.  Returns how many of the n clients have not finished theirs,
 * or -1 with errno (poll() failed).
 */
int hk_settle(const struct hk_client *c, int n);

/*
 * The server's ends of the n clients' connections to server, as the
 * kernel's table has them (tcp_table_state()): how many are
 * ESTABLISHED (*established), how many half-open in SYN_RECV (*half).
 */
void hk_server_ends(const struct hk_client *c, int n,
		    const struct sockaddr *server, int *established,
		    int *half);

/*
 * Start n clients (at most HK_MAX_CLIENTS): for each a non-blocking
 * socket that connect()s to server, as lesson 02's step 3 does for one.
 * Returns how many connect() calls returned -1 with EINPROGRESS (the
 * others returned 0), or -1 with errno and *call naming the step that
 * failed ("client socket", "connect").
 */
int hk_start_clients(const struct sockaddr_storage *server,
		     struct hk_client *c, int n, const char **call);

/*
 * When a client whose SYN got no answer sends it again, as this
 * kernel's settings say (Linux-only; elsewhere Linux's defaults):
 * net.ipv4.tcp_syn_retries retries (6), the first wait 1 s, each next
 * one twice as long; since Linux 6.5, net.ipv4.tcp_syn_linear_timeouts
 * (4) more retries, and that many waits after the first stay at 1 s.
 * In buf, as seconds since connect(): "1, 2, 3, 4, 5, 7, 11, 19, 35,
 * 67 s; connect() gives up after about 131 s" (6.5 and later, by
 * default), or "1, 3, 7, 15, 31, 63 s; connect() gives up after about
 * 127 s" (before).
 * Returns buf.
 */
char *hk_syn_schedule(char *buf, size_t size);

/* Close the n clients' sockets. */
void hk_close_all(const struct hk_client *c, int n);

#endif /* HANDSHAKE_KIT_H */
