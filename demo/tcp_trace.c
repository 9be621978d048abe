/*
 * tcp_trace.c - capture TCP segments on loopback.  See tcp_trace.h.
 */
#define _GNU_SOURCE	/* unshare(), AF_PACKET and struct ifreq: Linux's */

#include "tcp_trace.h"

#include <errno.h>
#include <linux/filter.h>	/* struct sock_filter, SO_ATTACH_FILTER */
#include <linux/if_ether.h>	/* ETH_P_ALL, ETH_P_IP, ETH_P_IPV6 */
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROTO_TCP 6	/* the IP header's protocol number of TCP */

int tcp_trace_open(void)
{
	struct sockaddr_ll ll;
	int fd;

	/* SOCK_DGRAM: the kernel strips the link-layer header, so every
	 * packet starts with its IP header. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd == -1)
		return -1;
	memset(&ll, 0, sizeof ll);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)if_nametoindex("lo");
	if (ll.sll_ifindex == 0
	    || bind(fd, (struct sockaddr *)&ll, sizeof ll) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* unshare(1) -rn, without the uid map (nothing here needs one), then
 * `ip link set lo up`: a new namespace's loopback starts down. */
static int enter_private_net(void)
{
	struct ifreq ifr;
	int fd, rc;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == -1)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

int tcp_trace_unshare(void)
{
	pid_t pid;
	int status, fd;

	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		/* The trial run: errno (always < 256) is the exit status. */
		if (enter_private_net() == -1)
			_exit(errno);
		fd = tcp_trace_open();
		_exit(fd == -1 ? errno : 0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status)) {
		errno = ECHILD;
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		errno = WEXITSTATUS(status);
		return -1;
	}
	return enter_private_net();
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
	       | (uint32_t)p[2] << 8 | p[3];
}

/* "host:port" of an address of family af, len bytes at addr. */
static void addr_str(int af, const unsigned char *addr, unsigned port,
		     char *buf, size_t size)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET) {
		memcpy(&in->sin_addr, addr, 4);
		in->sin_port = htons((uint16_t)port);
	} else {
		memcpy(&in6->sin6_addr, addr, 16);
		in6->sin6_port = htons((uint16_t)port);
	}
	if (sock_addr_str((struct sockaddr *)&ss, buf, size) == NULL)
		snprintf(buf, size, "?:%u", port);
}

/*
 * Decode an IPv4 or IPv6 packet of n bytes (the first bytes of it: the
 * rest may be cut off) into seg.  Returns 1 for a TCP segment, else 0.
 * The byte offsets are those of RFC 791, RFC 8200 and RFC 9293.
 */
static int decode(const unsigned char *p, size_t n, unsigned proto,
		  struct tcp_segment *seg)
{
	const unsigned char *src, *dst, *tcp;
	size_t iplen, total;
	int af;

	if (proto == ETH_P_IP && n >= 20 && p[0] >> 4 == 4
	    && p[9] == PROTO_TCP) {
		af = AF_INET;
		iplen = (size_t)(p[0] & 0x0f) * 4;
		total = get16(p + 2);
		src = p + 12;
		dst = p + 16;
	} else if (proto == ETH_P_IPV6 && n >= 40 && p[0] >> 4 == 6
		   && p[6] == PROTO_TCP) {
		af = AF_INET6;
		iplen = 40;
		total = 40 + get16(p + 4);
		src = p + 8;
		dst = p + 24;
	} else {
		return 0;
	}
	tcp = p + iplen;
	if (n < iplen + 20 || total < iplen + (size_t)(tcp[12] >> 4) * 4)
		return 0;
	seg->sport = get16(tcp);
	seg->dport = get16(tcp + 2);
	seg->seq = get32(tcp + 4);
	seg->ack = get32(tcp + 8);
	seg->flags = tcp[13] & 0x1f;
	seg->len = total - iplen - (size_t)(tcp[12] >> 4) * 4;
	addr_str(af, src, seg->sport, seg->src, sizeof seg->src);
	addr_str(af, dst, seg->dport, seg->dst, sizeof seg->dst);
	return 1;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int tcp_trace_next(int fd, unsigned port, struct tcp_segment *seg,
		   int timeout_ms)
{
	unsigned char buf[128];	/* room for the IP and TCP headers */
	struct sockaddr_ll from;
	socklen_t fromlen;
	long deadline = now_ms() + timeout_ms;
	ssize_t n;
	int ready;

	for (;;) {
		fromlen = sizeof from;
		n = recvfrom(fd, buf, sizeof buf, MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK
		    && errno != EINTR)
			return -1;
		if (n == -1) {
			long left = deadline - now_ms();

			if (left < 0)
				left = 0;
			ready = sock_wait(fd, POLLIN, (int)left);
			if (ready <= 0)
				return ready;
			continue;
		}
		/* Loopback shows each packet twice, going out and coming
		 * in; keep one copy, as tcpdump does. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n > sizeof buf)
			n = sizeof buf;		/* MSG_TRUNC: the real size */
		if (decode(buf, (size_t)n, ntohs(from.sll_protocol), seg)
		    && (seg->sport == port || seg->dport == port))
			return 1;
	}
}

char *tcp_flags_str(unsigned flags, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ TCP_FLAG_SYN, "SYN" }, { TCP_FLAG_FIN, "FIN" },
		{ TCP_FLAG_RST, "RST" }, { TCP_FLAG_PSH, "PSH" },
		{ TCP_FLAG_ACK, "ACK" },
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit))
			continue;
		snprintf(buf + used, size - used, "%s%s", used ? "," : "",
			 names[i].name);
		used = strlen(buf);
	}
	return buf;
}

/* " (x+3)", " (y)", or nothing when the segment is not isn's. */
static void relative(char name, uint32_t value, uint32_t base, int known,
		     char *buf, size_t size)
{
	uint32_t d = value - base;	/* modulo 2^32, as TCP counts */

	if (!known)
		snprintf(buf, size, "%s", "");
	else if (d == 0)
		snprintf(buf, size, " (%c)", name);
	else
		snprintf(buf, size, " (%c+%u)", name, (unsigned)d);
}

char *tcp_segment_str(const struct tcp_segment *seg, unsigned server_port,
		      struct tcp_isn *isn, char *buf, size_t size)
{
	int from_client = seg->dport == server_port;
	unsigned client = from_client ? seg->sport : seg->dport;
	int ours, has_ack = (seg->flags & TCP_FLAG_ACK) != 0;
	char flags[32], rseq[16], rack[16], seq[32];

	if (isn->client_port == 0 && from_client
	    && seg->flags == TCP_FLAG_SYN) {
		isn->client_port = client;
		isn->x = seg->seq;
	} else if (client == isn->client_port && !from_client
		   && seg->flags == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
		isn->y = seg->seq;
	}
	ours = client == isn->client_port;
	relative(from_client ? 'x' : 'y', seg->seq,
		 from_client ? isn->x : isn->y, ours, rseq, sizeof rseq);
	relative(from_client ? 'y' : 'x', seg->ack,
		 from_client ? isn->y : isn->x, ours && has_ack, rack,
		 sizeof rack);
	snprintf(seq, sizeof seq, "seq=%u%s", (unsigned)seg->seq, rseq);
	snprintf(buf, size, "%5u > %-5u %-8s ", seg->sport, seg->dport,
		 tcp_flags_str(seg->flags, flags, sizeof flags));
	if (has_ack)
		snprintf(buf + strlen(buf), size - strlen(buf),
			 "%-22s ack=%u%s", seq, (unsigned)seg->ack, rack);
	else
		snprintf(buf + strlen(buf), size - strlen(buf), "%s", seq);
	return buf;
}

/*
 * The filter, classic BPF (as tcpdump compiles "tcp port P"), run by the
 * kernel on each packet from its IP header on (a SOCK_DGRAM packet
 * socket has no link-layer header): keep a TCP segment whose source or
 * destination port is P, drop anything else.  The jumps count the
 * instructions to skip; 17 keeps, 18 drops.
 */
int tcp_trace_port(int fd, unsigned port)
{
	struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		/* 1 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 7),
		/* IPv4: protocol TCP, then the ports after the header */
		/* 3 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 13),
		/* 5 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		/* 6 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 9, 0),
		/* 8 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 7, 8),
		/* IPv6: next header TCP (loopback adds no other), ports */
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 0, 7),
		/* 11 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 5),
		/* 13 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 40),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 2, 0),
		/* 15 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 42),
		/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
		/* 18 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof code / sizeof code[0], code };
	unsigned char buf[1];

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof prog) == -1)
		return -1;
	while (recv(fd, buf, sizeof buf, MSG_TRUNC) >= 0 || errno == EINTR)
		;	/* the packets queued before the filter */
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}
