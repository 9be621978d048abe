/*
 * tcp_watch.h - what the kernel knows about TCP connections beyond the
 * state of one descriptor: its table of every connection (what ss and
 * netstat read), a listener's accept queue, a socket's retransmissions.
 *
 * The table matters because a connection lives longer than its
 * descriptor: after close() the kernel goes on through FIN_WAIT1,
 * FIN_WAIT2 and TIME_WAIT, and a connection waits in a listener's queue
 * before accept() makes a descriptor for it.  Look it up by its 4-tuple.
 *
 * Rules as in sock_util: nothing here prints or exits.  Linux only
 * (/proc/net/tcp, /proc/net/tcp6, TCP_INFO).
 */
#ifndef TCP_WATCH_H
#define TCP_WATCH_H

#include <sys/socket.h>

/*
 * The state of the connection from local to remote, as the kernel's
 * table lists it (/proc/net/tcp for IPv4, /proc/net/tcp6 for IPv6), by
 * name as sock_tcp_state() gives it ("FIN_WAIT2", "TIME_WAIT", ...);
 * "CLOSED" (RFC 9293's name for no connection) when the table has no
 * such connection; "UNKNOWN", with errno, when it cannot be read.
 */
const char *tcp_table_state(const struct sockaddr *local,
			    const struct sockaddr *remote);

/*
 * Wait until the table shows the connection in state want ("CLOSED":
 * gone), looking every millisecond for at most timeout_ms.  Returns the
 * state last seen, as tcp_table_state() does: want, or what it was.
 */
const char *tcp_table_wait(const struct sockaddr *local,
			   const struct sockaddr *remote, const char *want,
			   int timeout_ms);

/*
 * A listening socket's accept queue: how many connections have completed
 * the handshake and wait for accept() (*queued), and how many it may
 * hold (*limit: listen()'s backlog, capped at net.core.somaxconn).
 * `ss -ltn` shows the two as Recv-Q and Send-Q.
 * Returns 0, or -1 with errno (EINVAL: fd is not listening).
 */
int tcp_accept_queue(int fd, unsigned *queued, unsigned *limit);

/*
 * How many segments the socket has sent again because no answer came
 * (tcpi_total_retrans): for a client that waited in SYN_SENT, its SYN
 * retransmissions.  Returns the count, or -1 with errno.
 */
int tcp_retransmits(int fd);

/*
 * What a state means, in a few words ("FIN_WAIT2" -> "our FIN
 * acknowledged; waiting for theirs"), after RFC 9293, section 3.3.2.
 * Takes the names sock_tcp_state() and tcp_table_state() give.
 */
const char *tcp_state_meaning(const char *state);

#endif /* TCP_WATCH_H */
