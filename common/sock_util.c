/*
 * sock_util.c - the shared socket helpers.  See sock_util.h for the
 * contract: nothing here prints or exits; errors go back to the caller.
 */
#define _DEFAULT_SOURCE		/* struct tcp_info is a Linux extension */

#include "sock_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

int sock_parse_uint(const char *text, unsigned long max,
		    unsigned long *value)
{
	unsigned long n;
	char *end;

	/* strtoul alone would take " 80", "+80" and "-1" (as ULONG_MAX). */
	if (text[0] < '0' || text[0] > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	n = strtoul(text, &end, 10);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || n > max) {
		errno = ERANGE;
		return -1;
	}
	*value = n;
	return 0;
}

int sock_parse_port(const char *text, uint16_t *port)
{
	unsigned long value;

	if (sock_parse_uint(text, 65535, &value) == -1)
		return -1;
	*port = (uint16_t)value;
	return 0;
}

/* Look up the TCP addresses of host:port; 0 or a getaddrinfo code. */
static int resolve(const char *host, const char *port, int flags,
		   struct addrinfo **list)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;	/* IPv4 or IPv6, whatever host is */
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	return getaddrinfo(host, port, &hints, list);
}

/* connect() with an optional bound.  A connect() interrupted by a signal
 * goes on in the background, so in every case we finish it with poll()
 * and read the outcome from SO_ERROR. */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t len,
			   int timeout_ms)
{
	int err = 0;
	socklen_t errlen = sizeof err;
	int ready;

	if (timeout_ms >= 0 && sock_set_nonblock(fd, 1) == -1)
		return -1;
	if (connect(fd, sa, len) == 0)
		goto done;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	ready = sock_wait(fd, POLLOUT, timeout_ms);
	if (ready == -1)
		return -1;
	if (ready == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
done:
	return timeout_ms >= 0 ? sock_set_nonblock(fd, 0) : 0;
}

int sock_connect(const char *host, const char *port, int timeout_ms,
		 int *gai_err)
{
	struct addrinfo *list, *ai;
	int fd = -1;
	int saved = 0;

	*gai_err = resolve(host, port, 0, &list);
	if (*gai_err != 0) {
		if (*gai_err == EAI_SYSTEM)
			*gai_err = 0;	/* errno says why */
		return -1;
	}

	for (ai = list; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect_bounded(fd, ai->ai_addr, ai->ai_addrlen,
				    timeout_ms) == 0)
			break;
		saved = errno;	/* remember why this address failed */
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd == -1)
		errno = saved;
	return fd;
}

int sock_listen(const char *host, const char *port, int backlog,
		int *gai_err)
{
	struct addrinfo *list, *ai;
	int fd = -1;
	int saved = 0;
	int on = 1;

	*gai_err = resolve(host, port, AI_PASSIVE, &list);
	if (*gai_err != 0) {
		if (*gai_err == EAI_SYSTEM)
			*gai_err = 0;	/* errno says why */
		return -1;
	}

	for (ai = list; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0
		    && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0
		    && listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd == -1)
		errno = saved;
	return fd;
}

char *sock_addr_str(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const void *where;
	unsigned port;
	int n;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		where = &in->sin_addr;
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		where = &in6->sin6_addr;
		port = ntohs(in6->sin6_port);
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (inet_ntop(sa->sa_family, where, host, sizeof host) == NULL)
		return NULL;
	if (sa->sa_family == AF_INET6)
		n = snprintf(buf, size, "[%s]:%u", host, port);
	else
		n = snprintf(buf, size, "%s:%u", host, port);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return NULL;
	}
	return buf;
}

char *sock_local_str(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return NULL;
	return sock_addr_str((struct sockaddr *)&ss, buf, size);
}

char *sock_peer_str(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return NULL;
	return sock_addr_str((struct sockaddr *)&ss, buf, size);
}

int sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	errno = EAFNOSUPPORT;
	return -1;
}

ssize_t sock_recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t left = len;
	ssize_t n;

	while (left > 0) {
		n = recv(fd, p, left, 0);
		if (n > 0) {
			p += n;
			left -= (size_t)n;
		} else if (n == 0) {
			break;		/* EOF: the peer sent all it will */
		} else if (errno != EINTR) {
			return -1;
		}			/* EINTR: nothing was read, ask again */
	}
	return (ssize_t)(len - left);
}

static int is_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags != -1 && (flags & O_NONBLOCK);
}

ssize_t sock_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;
	ssize_t n;

	while (left > 0) {
		n = send(fd, p, left, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			left -= (size_t)n;
		} else if (n == 0) {
			errno = EIO;	/* no progress: never spin on it */
			return -1;
		} else if (errno == EINTR) {
			continue;
		} else if ((errno == EAGAIN || errno == EWOULDBLOCK)
			   && is_nonblocking(fd)) {
			/* Send buffer full: sleep until it has room. */
			if (sock_wait(fd, POLLOUT, -1) == -1)
				return -1;
		} else {
			return -1;	/* on a blocking socket EAGAIN is
					   an expired SO_SNDTIMEO */
		}
	}
	return (ssize_t)len;
}

int sock_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n == -1 && errno == EINTR);
	return n;
}

int sock_set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, flags);
}

int sock_set_timeout(int fd, int timeout_ms)
{
	struct timeval tv;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

const char *sock_tcp_state_name(int state)
{
	/* Numbered as in the kernel's include/net/tcp_states.h. */
	static const char *const names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
		"FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
		"CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV",
	};

	if (state < 0 || (size_t)state >= sizeof names / sizeof names[0])
		return names[0];
	return names[state];
}

const char *sock_tcp_state(int fd)
{
#ifdef TCP_INFO
	struct tcp_info info;
	socklen_t len = sizeof info;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
		return sock_tcp_state_name(0);
	return sock_tcp_state_name(info.tcpi_state);
#else
	(void)fd;
	errno = ENOPROTOOPT;
	return sock_tcp_state_name(0);
#endif
}
