/*
 * tcp_trace.h - capture TCP segments on the loopback interface, as
 * tcpdump does, so a program can show its own handshake.
 *
 * Capturing takes a packet socket (AF_PACKET), and a packet socket takes
 * CAP_NET_RAW in the network namespace: root has it.  An ordinary user
 * can have it in a private network namespace of their own, inside a new
 * user namespace (what `unshare -rn` does), where the system allows
 * unprivileged user namespaces; tcp_trace_unshare() moves there.
 *
 * Rules as in sock_util: nothing here prints or exits.  Linux only.
 */
#ifndef TCP_TRACE_H
#define TCP_TRACE_H

#include "sock_util.h"

#include <stddef.h>
#include <stdint.h>

/* The flag bits of a TCP header (RFC 9293, section 3.1). */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

/* One captured segment, the header fields a lesson shows. */
struct tcp_segment {
	char src[SOCK_ADDRSTRLEN];	/* "127.0.0.1:41000", "[::1]:41000" */
	char dst[SOCK_ADDRSTRLEN];
	unsigned sport, dport;
	uint32_t seq, ack;		/* as sent: absolute numbers */
	unsigned flags;			/* TCP_FLAG_* */
	size_t len;			/* payload bytes */
};

/*
 * Open a packet socket that sees every segment that arrives on "lo".
 * Returns the socket, or -1 with errno (EPERM: no CAP_NET_RAW here).
 */
int tcp_trace_open(void);

/*
 * Move this process into a private network namespace, inside a new user
 * namespace, and bring its loopback interface up: afterwards every
 * socket the process opens lives there, alone, and tcp_trace_open()
 * works.  Sockets opened before stay outside: call this first.  The
 * process must be single-threaded.
 *
 * Whether it works depends on the system (user namespaces may be off or
 * restricted), so it is first tried in a child process: a failure
 * leaves this process as it was.
 * Returns 0, or -1 with errno from the step that failed.
 */
int tcp_trace_unshare(void);

/*
 * From now on keep only the TCP segments to or from port (IPv4 or IPv6):
 * a filter in the kernel drops every other packet before it is queued,
 * so that other programs' traffic on a busy loopback cannot fill the
 * socket's queue and crowd ours out.  What was queued before is thrown
 * away: call it once the port is known, before any segment of it.
 * Returns 0, or -1 with errno.
 */
int tcp_trace_port(int fd, unsigned port);

/*
 * The next captured segment to or from port, waiting at most timeout_ms
 * for it (0: only what has arrived already).  Segments of other ports
 * are skipped.  Returns 1 (seg is filled in), 0 (none came in time), or
 * -1 with errno.
 */
int tcp_trace_next(int fd, unsigned port, struct tcp_segment *seg,
		   int timeout_ms);

/* The flags as words, "SYN", "SYN,ACK", "FIN,ACK", in buf.  Returns buf. */
char *tcp_flags_str(unsigned flags, char *buf, size_t size);

/*
 * The first sequence numbers of one connection, so that a trace can show
 * the others relative to them, as a diagram does: x is the client's (its
 * SYN's seq), y the server's (its SYN-ACK's).  Start with all zero: the
 * first SYN seen picks the connection.
 */
struct tcp_isn {
	unsigned client_port;
	uint32_t x, y;
};

/*
 * One line for seg, as seen from the server on server_port:
 *   "41000 > 1234  SYN,ACK  seq=1960523461 (y)    ack=2861513035 (x+1)"
 * Segments of isn's connection get (x+N) and (y+N) after the numbers;
 * isn learns x and y on the way.  Returns buf.
 */
char *tcp_segment_str(const struct tcp_segment *seg, unsigned server_port,
		      struct tcp_isn *isn, char *buf, size_t size);

#endif /* TCP_TRACE_H */
