/*
 * sock_util.h - the small socket library every lesson links.
 *
 * Rules of this module (so that lessons stay in charge of their story):
 *   - it never prints and never exits: every function returns a value
 *     (a descriptor, a count, 0/-1 with errno, or a getaddrinfo code)
 *     and the caller decides what to say;
 *   - every I/O loop retries EINTR and loops over short counts;
 *   - nothing here raises SIGPIPE: sends use MSG_NOSIGNAL, so a closed
 *     peer shows up as EPIPE, an error the caller can report.
 *
 * Functions that resolve names take an `int *gai_err`.  On failure they
 * return -1 and either set *gai_err to a getaddrinfo code (the name did
 * not resolve: print it with gai_strerror) or set *gai_err to 0 and leave
 * errno from the last address tried (print it with strerror).
 */
#ifndef SOCK_UTIL_H
#define SOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Room for "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535". */
#define SOCK_ADDRSTRLEN 64

/*
 * Parse a port number: exactly the decimal numbers 0..65535, nothing
 * else (no sign, no spaces, no trailing text, no empty string).
 * Returns 0 and stores the port, or -1 with errno EINVAL (not a number)
 * or ERANGE (a number above 65535).
 */
int sock_parse_port(const char *text, uint16_t *port);

/*
 * The same for any count from 0 to max: exactly the decimal numbers,
 * nothing else.  Returns 0 and stores it, or -1 with errno EINVAL (not
 * a number) or ERANGE (a number above max).
 */
int sock_parse_uint(const char *text, unsigned long max,
		    unsigned long *value);

/*
 * Resolve host and port (a number or a service name such as "http")
 * for TCP and connect to the first address that accepts: IPv4, IPv6 or
 * both, in the order getaddrinfo gives.  timeout_ms bounds each
 * connect() (-1: no bound, as a plain blocking connect).
 * Returns a connected, blocking socket, or -1 (see gai_err above; a
 * timeout is errno ETIMEDOUT).
 */
int sock_connect(const char *host, const char *port, int timeout_ms,
                 int *gai_err);

/*
 * Resolve host and port for a passive TCP socket, set SO_REUSEADDR
 * (a restart can bind while old connections sit in TIME_WAIT), bind
 * and listen with the given backlog.  Port "0" lets the kernel choose
 * a free port: ask sock_local_port() which one.
 * Returns the listening socket, or -1 (see gai_err above).
 */
int sock_listen(const char *host, const char *port, int backlog,
                int *gai_err);

/*
 * Format an address as "host:port": "127.0.0.1:1234" for IPv4,
 * "[::1]:1234" for IPv6.  buf should hold SOCK_ADDRSTRLEN bytes.
 * Returns buf, or NULL with errno EAFNOSUPPORT for other families.
 */
char *sock_addr_str(const struct sockaddr *sa, char *buf, size_t size);

/* The local (getsockname) and remote (getpeername) ends of a socket,
 * formatted as sock_addr_str() does.  Return buf, or NULL with errno. */
char *sock_local_str(int fd, char *buf, size_t size);
char *sock_peer_str(int fd, char *buf, size_t size);

/* The local port of a socket, in host byte order, or -1 with errno. */
int sock_local_port(int fd);

/*
 * Receive exactly len bytes, calling recv() as often as it takes.
 * Returns len; or fewer when the peer closed the connection first
 * (the count says how far it got: 0 means EOF before any byte);
 * or -1 with errno on an error (EAGAIN if the socket has a receive
 * timeout that expired).
 */
ssize_t sock_recv_all(int fd, void *buf, size_t len);

/*
 * Send all len bytes, calling send() as often as it takes.  On a
 * non-blocking socket it waits with poll() whenever the send buffer
 * is full.  Never raises SIGPIPE.
 * Returns len, or -1 with errno (EPIPE or ECONNRESET when the peer has
 * gone; EIO if send() ever reports 0 bytes, which would loop forever).
 */
ssize_t sock_send_all(int fd, const void *buf, size_t len);

/*
 * Wait until fd is ready for the poll() events given (POLLIN, POLLOUT),
 * retrying EINTR.  timeout_ms < 0 waits forever.
 * Returns 1 when ready, 0 on timeout, -1 with errno on error.
 */
int sock_wait(int fd, short events, int timeout_ms);

/* Switch O_NONBLOCK on (on != 0) or off.  Returns 0, or -1 with errno. */
int sock_set_nonblock(int fd, int on);

/*
 * Bound every later recv() and send() on fd to timeout_ms
 * (SO_RCVTIMEO and SO_SNDTIMEO); 0 removes the bound.  An expired bound
 * makes the call fail with EAGAIN.  Returns 0, or -1 with errno.
 */
int sock_set_timeout(int fd, int timeout_ms);

/*
 * The kernel's TCP state of a socket, by name, as the kernel's
 * tcp_states.h spells it: "ESTABLISHED", "SYN_SENT", "LISTEN",
 * "CLOSE", "TIME_WAIT", ...  Read with getsockopt(TCP_INFO), which is
 * Linux's; elsewhere, or on error, returns "UNKNOWN" with errno set.
 */
const char *sock_tcp_state(int fd);

/* The name of a TCP state number (tcpi_state), "UNKNOWN" if out of range. */
const char *sock_tcp_state_name(int state);

#endif /* SOCK_UTIL_H */
