/*
 * loop6.c - a shared library for LD_PRELOAD that gives programs an IPv6
 * loopback (::1) on a machine that has none, carried over IPv4's
 * (127.0.0.1).  Linux only (SO_DOMAIN).
 *
 * A test that checks a program's IPv6 (does the client ask getaddrinfo
 * for any family, keep the address's length, print [::1]:PORT?) needs
 * ::1; a container often has no IPv6 at all, and a network namespace of
 * its own is not always allowed.  Preload this library into every
 * program of the test and they see IPv6 where the kernel has none:
 *
 *   LD_PRELOAD=build/tools/loop6.so build/tools/peer --host ::1 echo
 *   LD_PRELOAD=build/tools/loop6.so build/solutions/03-client/client ::1 PORT
 *
 * How: socket(AF_INET6, ...) makes an IPv4 socket and remembers that it
 * is "IPv6".  On such a socket, bind() and connect() take an IPv6
 * address and use its IPv4 twin (::1 is 127.0.0.1, :: is 0.0.0.0 to
 * bind and 127.0.0.1 to connect to, ::ffff:a.b.c.d is a.b.c.d), and
 * getsockname(), getpeername(), accept() and accept4() give the
 * addresses back as IPv6 ones, cut to the caller's length as the kernel
 * does; options at level IPPROTO_IPV6 (IPV6_V6ONLY...) are taken and
 * ignored; SO_DOMAIN says AF_INET6.  What the kernel would refuse, this
 * refuses with the kernel's errno: a length under 24 bytes (EINVAL), an
 * IPv4 address (EAFNOSUPPORT), an address other than those
 * (EADDRNOTAVAIL to bind, ENETUNREACH to connect).  dup(), dup2() and
 * dup3() keep the mark; close() drops it.
 *
 * What it is not: the kernel's IPv6.  Both families share the IPv4
 * ports (an "IPv6" socket on port P and an IPv4 one on P clash), fcntl
 * (F_DUPFD), /proc/net/tcp6 and packet capture do not know it, and
 * getaddrinfo() is the real one (a name's IPv6 addresses, "::1"
 * included, come back as on any machine; AI_ADDRCONFIG may drop them).
 * Statically linked programs escape it.  With a sanitizer build, the
 * sanitizer's runtime must come first in LD_PRELOAD, or set
 * ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE	/* dlsym(RTLD_NEXT, ...), accept4, dup3 */

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536	/* sockets above this fd are left alone */

/* The functions we stand in front of, found with dlsym(RTLD_NEXT). */
static struct {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
} real;

static atomic_int ready;
/* 1 for each fd that is an "IPv6" socket. */
static atomic_uchar six[MAX_FDS];

/* Store the next definition of name after this library.  POSIX lets a
 * void * from dlsym hold a function's address; memcpy avoids the cast
 * ISO C forbids. */
static void resolve(void *where, const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	memcpy(where, &sym, sizeof sym);
}

/* Idempotent: two threads may both get here first. */
static void setup(void)
{
	if (atomic_load(&ready))
		return;
	resolve(&real.socket, "socket");
	resolve(&real.bind, "bind");
	resolve(&real.connect, "connect");
	resolve(&real.getsockname, "getsockname");
	resolve(&real.getpeername, "getpeername");
	resolve(&real.accept, "accept");
	resolve(&real.accept4, "accept4");
	resolve(&real.setsockopt, "setsockopt");
	resolve(&real.getsockopt, "getsockopt");
	resolve(&real.close, "close");
	resolve(&real.dup, "dup");
	resolve(&real.dup2, "dup2");
	resolve(&real.dup3, "dup3");
	atomic_store(&ready, 1);
}

static void mark(int fd, int on)
{
	if (fd >= 0 && fd < MAX_FDS)
		atomic_store(&six[fd], (unsigned char)on);
}

/* Is fd one of our "IPv6" sockets?  The mark, and an IPv4 socket under
 * it (a mark left by a close we did not see is no use).  Leaves errno
 * as it found it. */
static int faked(int fd)
{
	int saved = errno, domain = 0;
	socklen_t len = sizeof domain;
	int yes;

	setup();
	if (fd < 0 || fd >= MAX_FDS || !atomic_load(&six[fd]))
		return 0;
	yes = real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0
	      && domain == AF_INET;
	errno = saved;
	return yes;
}

/*
 * The IPv4 twin of an IPv6 address given to bind (to_bind 1) or connect
 * on a faked socket.  Returns 0, or -1 with errno as the kernel would
 * set it.
 */
static int to_v4(const struct sockaddr *sa, socklen_t len, int to_bind,
		 struct sockaddr_in *sin)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0xff, 0xff };
	struct sockaddr_in6 sin6;

	if (sa == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (len < 24) {		/* SIN6_LEN_RFC2133: no scope id yet */
		errno = EINVAL;
		return -1;
	}
	if (sa->sa_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&sin6, 0, sizeof sin6);
	memcpy(&sin6, sa, len < sizeof sin6 ? len : sizeof sin6);
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = sin6.sin6_port;
	if (IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr)) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr)) {
		sin->sin_addr.s_addr = htonl(to_bind ? INADDR_ANY
						     : INADDR_LOOPBACK);
	} else if (memcmp(sin6.sin6_addr.s6_addr, mapped, 12) == 0) {
		memcpy(&sin->sin_addr, sin6.sin6_addr.s6_addr + 12, 4);
	} else {
		errno = to_bind ? EADDRNOTAVAIL : ENETUNREACH;
		return -1;
	}
	return 0;
}

/*
 * Give the caller the IPv6 twin of an IPv4 address the kernel gave us,
 * as the kernel gives an address: at most *len bytes of it, and its
 * whole length in *len.  Any other kind of address is given as it is.
 */
static void give_v6(const struct sockaddr_storage *got, socklen_t got_len,
		    struct sockaddr *sa, socklen_t *len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)got;
	struct sockaddr_in6 sin6;
	const void *from = got;
	socklen_t size = got_len;
	uint32_t ip;

	if (got->ss_family == AF_INET) {
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = sin->sin_port;
		ip = ntohl(sin->sin_addr.s_addr);
		if (ip == INADDR_LOOPBACK) {
			sin6.sin6_addr = in6addr_loopback;
		} else if (ip != INADDR_ANY) {
			sin6.sin6_addr.s6_addr[10] = 0xff;
			sin6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(sin6.sin6_addr.s6_addr + 12, &sin->sin_addr, 4);
		}
		from = &sin6;
		size = sizeof sin6;
	}
	memcpy(sa, from, *len < size ? *len : size);
	*len = size;
}

int socket(int domain, int type, int protocol)
{
	int fd;

	setup();
	if (domain != AF_INET6) {
		fd = real.socket(domain, type, protocol);
		mark(fd, 0);
		return fd;
	}
	fd = real.socket(AF_INET, type, protocol);
	mark(fd, 1);
	return fd;
}

/*
 * Under _GNU_SOURCE glibc declares the address arguments of these as
 * "transparent unions", and gcc -Wpedantic calls any definition of them
 * "not truly compatible", even one that uses glibc's own types.  These
 * are the standard types: silence that one warning, here only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_in sin;

	if (!faked(fd))
		return real.bind(fd, sa, len);
	if (to_v4(sa, len, 1, &sin) == -1)
		return -1;
	return real.bind(fd, (struct sockaddr *)&sin, sizeof sin);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_in sin;

	if (!faked(fd) || (sa != NULL && sa->sa_family == AF_UNSPEC))
		return real.connect(fd, sa, len);
	if (to_v4(sa, len, 0, &sin) == -1)
		return -1;
	return real.connect(fd, (struct sockaddr *)&sin, sizeof sin);
}

/* getsockname and getpeername: which says which. */
static int name_of(int fd, struct sockaddr *sa, socklen_t *len, int peer)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof got;
	int (*fn)(int, struct sockaddr *, socklen_t *);

	setup();
	fn = peer ? real.getpeername : real.getsockname;
	if (!faked(fd) || sa == NULL || len == NULL)
		return fn(fd, sa, len);
	if (fn(fd, (struct sockaddr *)&got, &got_len) == -1)
		return -1;
	give_v6(&got, got_len, sa, len);
	return 0;
}

int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return name_of(fd, sa, len, 0);
}

int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return name_of(fd, sa, len, 1);
}

/* accept and accept4 (flags -1: plain accept). */
static int accept_on(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof got;
	int v6, nfd;

	setup();
	v6 = faked(fd);
	if (!v6 || sa == NULL || len == NULL) {
		nfd = flags == -1 ? real.accept(fd, sa, len)
				  : real.accept4(fd, sa, len, flags);
		mark(nfd, v6);
		return nfd;
	}
	nfd = flags == -1 ? real.accept(fd, (struct sockaddr *)&got, &got_len)
			  : real.accept4(fd, (struct sockaddr *)&got, &got_len,
					 flags);
	if (nfd == -1)
		return -1;
	mark(nfd, 1);
	give_v6(&got, got_len, sa, len);
	return nfd;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return accept_on(fd, sa, len, -1);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	return accept_on(fd, sa, len, flags);
}
#pragma GCC diagnostic pop

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	setup();
	if (level == IPPROTO_IPV6 && faked(fd))
		return 0;	/* IPV6_V6ONLY and the like: nothing to do */
	return real.setsockopt(fd, level, name, value, len);
}

int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	int answer;

	setup();
	if (!faked(fd)
	    || !(level == IPPROTO_IPV6
		 || (level == SOL_SOCKET && name == SO_DOMAIN)))
		return real.getsockopt(fd, level, name, value, len);
	if (value == NULL || len == NULL) {
		errno = EFAULT;
		return -1;
	}
	answer = level == SOL_SOCKET ? AF_INET6 : 0;
	memcpy(value, &answer, *len < sizeof answer ? *len : sizeof answer);
	*len = sizeof answer;
	return 0;
}

int close(int fd)
{
	setup();
	mark(fd, 0);
	return real.close(fd);
}

int dup(int fd)
{
	int nfd;

	setup();
	nfd = real.dup(fd);
	mark(nfd, faked(fd));
	return nfd;
}

int dup2(int fd, int nfd)
{
	setup();
	if (real.dup2(fd, nfd) == -1)
		return -1;
	if (fd != nfd)
		mark(nfd, faked(fd));
	return nfd;
}

int dup3(int fd, int nfd, int flags)
{
	setup();
	if (real.dup3(fd, nfd, flags) == -1)
		return -1;
	mark(nfd, faked(fd));
	return nfd;
}
