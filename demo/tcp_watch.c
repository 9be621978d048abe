/*
 * tcp_watch.c - the kernel's connection table, a listener's accept queue,
 * a socket's retransmissions.  See tcp_watch.h.
 */
#define _DEFAULT_SOURCE		/* struct tcp_info is a Linux extension */

#include "tcp_watch.h"
#include "sock_util.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * An address as /proc/net/tcp prints it: each 32-bit word of the address
 * as the machine holds it in memory, in hex, then ":PORT" in hex:
 * 127.0.0.1:1234 is "0100007F:04D2" on a little-endian machine.
 */
static int proc_addr(const struct sockaddr *sa, char *buf, size_t size)
{
	uint32_t w[4];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		snprintf(buf, size, "%08X:%04X", (unsigned)in->sin_addr.s_addr,
			 (unsigned)ntohs(in->sin_port));
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		memcpy(w, &in6->sin6_addr, sizeof w);
		snprintf(buf, size, "%08X%08X%08X%08X:%04X", (unsigned)w[0],
			 (unsigned)w[1], (unsigned)w[2], (unsigned)w[3],
			 (unsigned)ntohs(in6->sin6_port));
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

const char *tcp_table_state(const struct sockaddr *local,
			    const struct sockaddr *remote)
{
	char want_l[64], want_r[64], got_l[64], got_r[64], line[256];
	const char *found = "CLOSED";
	unsigned state;
	FILE *f;

	if (proc_addr(local, want_l, sizeof want_l) == -1
	    || proc_addr(remote, want_r, sizeof want_r) == -1)
		return sock_tcp_state_name(0);
	f = fopen(local->sa_family == AF_INET6 ? "/proc/net/tcp6"
					       : "/proc/net/tcp", "r");
	if (f == NULL)
		return sock_tcp_state_name(0);
	/* "  sl  local_address rem_address   st ...", one line each. */
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%*u: %63s %63s %x", got_l, got_r,
			   &state) == 3
		    && strcmp(got_l, want_l) == 0
		    && strcmp(got_r, want_r) == 0) {
			found = sock_tcp_state_name((int)state);
			break;
		}
	}
	fclose(f);
	return found;
}

const char *tcp_table_wait(const struct sockaddr *local,
			   const struct sockaddr *remote, const char *want,
			   int timeout_ms)
{
	const struct timespec tick = { 0, 1000000 };	/* 1 ms */
	const char *state;

	while (strcmp(state = tcp_table_state(local, remote), want) != 0
	       && strcmp(state, "UNKNOWN") != 0 && timeout_ms-- > 0)
		nanosleep(&tick, NULL);
	return state;
}

/* The socket's struct tcp_info, into info; 0 or -1 with errno. */
static int get_info(int fd, struct tcp_info *info)
{
	socklen_t len = sizeof *info;

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len);
}

int tcp_accept_queue(int fd, unsigned *queued, unsigned *limit)
{
	struct tcp_info info;

	if (get_info(fd, &info) == -1)
		return -1;
	if (info.tcpi_state != 10) {	/* TCP_LISTEN in tcp_states.h */
		errno = EINVAL;
		return -1;
	}
	/* For a listener the kernel reuses two fields: tcpi_unacked is the
	 * queue's length, tcpi_sacked its limit (tcp_get_info()). */
	*queued = info.tcpi_unacked;
	*limit = info.tcpi_sacked;
	return 0;
}

int tcp_retransmits(int fd)
{
	struct tcp_info info;

	if (get_info(fd, &info) == -1)
		return -1;
	return (int)info.tcpi_total_retrans;
}

const char *tcp_state_meaning(const char *state)
{
	static const char *const words[][2] = {
		{ "CLOSE", "a socket with no connection" },
		{ "LISTEN", "the kernel answers SYNs for this port" },
		{ "SYN_SENT", "SYN sent, waiting for the SYN-ACK" },
		{ "SYN_RECV", "SYN-ACK sent, waiting for the last ACK" },
		{ "ESTABLISHED", "handshake complete: data may flow" },
		{ "FIN_WAIT1", "our FIN sent, not acknowledged yet" },
		{ "FIN_WAIT2", "our FIN acknowledged; waiting for theirs" },
		{ "CLOSE_WAIT", "their FIN arrived; we have not closed yet" },
		{ "CLOSING", "FINs crossed; waiting for the ACK of ours" },
		{ "LAST_ACK", "our FIN sent after theirs, not ACKed yet" },
		{ "TIME_WAIT", "closed; the kernel keeps the 4-tuple for"
			       " 60 s so stray segments die out" },
		{ "CLOSED", "not in the kernel's table: nothing is left" },
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], state) == 0)
			return words[i][1];
	return "see tcp(7)";
}
