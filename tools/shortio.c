/*
 * shortio.c - a shared library for LD_PRELOAD that makes socket reads and
 * writes come up short, the way they may on any real network.
 *
 * On loopback a recv() or send() almost always moves everything at once,
 * so a program that forgets to loop over short counts passes by luck.
 * Preload this library and every read or write on a stream socket moves
 * at most SHORTIO_MAX bytes:
 *
 *   LD_PRELOAD=build/tools/shortio.so SHORTIO_MAX=3 ./prog
 *   make lesson-05 SHORTIO=3                  (the same, through make)
 *
 * Settings, all from the environment:
 *   SHORTIO_MAX=N      each call moves a pseudo-random 1..N bytes (unset
 *                      or 0: calls are not shortened)
 *   SHORTIO_SEED=S     the seed of those sizes (default 1): the same seed
 *                      and the same program give the same sizes
 *   SHORTIO_EINTR=P    P percent of calls fail with EINTR, before they
 *                      reach the kernel, so no data is lost (100: every
 *                      call, forever)
 *   SHORTIO_EAGAIN=P   P percent of calls on a non-blocking socket (or
 *                      with MSG_DONTWAIT) fail with EAGAIN, before they
 *                      reach the kernel, as when its buffer is full or
 *                      empty: a program must wait (poll) and call again
 *   SHORTIO_VERBOSE=1  say on stderr, at exit, what was done
 *
 * What it counts: a call on a socket whose last call failed with EAGAIN
 * (the shim's or the kernel's), with no poll(), ppoll(), select(),
 * pselect() or epoll_wait() since, is "retried at once": a busy loop that
 * burns a core while it waits for room or data.  With SHORTIO_EAGAIN
 * set, SHORTIO_VERBOSE's report says how many there were.
 *
 * What it touches: recv, read, recvfrom, recvmsg, readv, send, write,
 * sendto, sendmsg, writev, and glibc's fortified __recv_chk, __read_chk
 * and __recvfrom_chk (with -D_FORTIFY_SOURCE and optimisation, glibc
 * calls these instead of recv and read, and they reach the kernel through
 * glibc's internal __recv, which no preload can see).  Only stream sockets
 * (SO_TYPE SOCK_STREAM): files, pipes, terminals and datagram sockets,
 * where a short count means something else, are left alone.  Calls with
 * MSG_WAITALL (the kernel loops for you) and zero-length calls pass
 * through untouched.
 *
 * What escapes it: statically linked programs (nothing is preloaded),
 * stdio on a socket (fread/fwrite call glibc's internal __read/__write),
 * raw syscall(2), and calls it does not wrap (sendfile, splice, recvmmsg).
 * With a sanitizer build, the sanitizer's runtime must come first in
 * LD_PRELOAD, or set ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE	/* dlsym(RTLD_NEXT, ...) to find the real functions */
/* Fortified headers would turn recv and read into inline wrappers and
 * clash with the definitions below: this file defines them itself. */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* glibc declares these only under _FORTIFY_SOURCE. */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
		       int flags, struct sockaddr *addr, socklen_t *addrlen);
int __poll_chk(struct pollfd *fds, nfds_t count, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t count, const struct timespec *tmo,
		const sigset_t *mask, size_t fdslen);

/* A shortened vectored call uses at most this many buffers: fewer bytes
 * than asked is always a legal answer. */
#define PART_IOVS 16

/* Descriptors below this are watched for retries after EAGAIN. */
#define TRACKED_FDS 1024

/* The functions we stand in front of, found with dlsym(RTLD_NEXT). */
static struct {
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int,
				struct sockaddr *, socklen_t *);
	/* The ways to wait, only counted. */
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
	int (*poll_chk)(struct pollfd *, nfds_t, int, size_t);
	int (*ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *,
			 const sigset_t *, size_t);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *,
		       const struct timespec *, const sigset_t *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int,
			   const sigset_t *);
} real;

static int ready;		/* setup() has run */
static size_t max_len;		/* SHORTIO_MAX; 0: do not shorten */
static unsigned eintr_pct;	/* SHORTIO_EINTR */
static unsigned eagain_pct;	/* SHORTIO_EAGAIN */
static int active;		/* any of the three set: calls are watched */
static uint64_t seed = 1;	/* SHORTIO_SEED */
static int verbose;		/* SHORTIO_VERBOSE */

/* Counters for the report; atomic, as threads may share them. */
static atomic_ulong draws, calls, shortened, interrupted, again, spins;

/* How many waits (poll and the like) so far; and per descriptor, that
 * count plus one when its last call failed with EAGAIN, else 0. */
static atomic_ulong waits;
static atomic_ulong again_at[TRACKED_FDS];

static void say(const char *msg)
{
	if (real.write != NULL)
		real.write(STDERR_FILENO, msg, strlen(msg));
}

/* Store the next definition of name after this library.  POSIX lets a
 * void * from dlsym hold a function's address; memcpy avoids the cast
 * ISO C forbids. */
static void resolve(void *where, const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	memcpy(where, &sym, sizeof sym);
}

/* Read a number from the environment; def if unset, -1 if malformed. */
static long long env_number(const char *name, long long def, long long top)
{
	const char *text = getenv(name);
	char msg[160];
	char *end;
	long long n;

	if (text == NULL || *text == '\0')
		return def;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (text[0] >= '0' && text[0] <= '9' && *end == '\0' && errno == 0
	    && n <= top)
		return n;
	snprintf(msg, sizeof msg,
		 "shortio: %s='%s' is not a number from 0 to %lld; ignored\n",
		 name, text, top);
	say(msg);
	return -1;
}

__attribute__((constructor)) static void setup(void)
{
	long long n;

	if (ready)
		return;
	resolve(&real.recv, "recv");
	resolve(&real.read, "read");
	resolve(&real.recvfrom, "recvfrom");
	resolve(&real.recvmsg, "recvmsg");
	resolve(&real.readv, "readv");
	resolve(&real.send, "send");
	resolve(&real.write, "write");
	resolve(&real.sendto, "sendto");
	resolve(&real.sendmsg, "sendmsg");
	resolve(&real.writev, "writev");
	resolve(&real.recv_chk, "__recv_chk");
	resolve(&real.read_chk, "__read_chk");
	resolve(&real.recvfrom_chk, "__recvfrom_chk");
	resolve(&real.poll, "poll");
	resolve(&real.ppoll, "ppoll");
	resolve(&real.poll_chk, "__poll_chk");
	resolve(&real.ppoll_chk, "__ppoll_chk");
	resolve(&real.select, "select");
	resolve(&real.pselect, "pselect");
	resolve(&real.epoll_wait, "epoll_wait");
	resolve(&real.epoll_pwait, "epoll_pwait");

	n = env_number("SHORTIO_MAX", 0, SSIZE_MAX);
	max_len = n > 0 ? (size_t)n : 0;
	n = env_number("SHORTIO_EINTR", 0, 100);
	eintr_pct = n > 0 ? (unsigned)n : 0;
	n = env_number("SHORTIO_EAGAIN", 0, 100);
	eagain_pct = n > 0 ? (unsigned)n : 0;
	active = max_len > 0 || eintr_pct > 0 || eagain_pct > 0;
	n = env_number("SHORTIO_SEED", 1, LLONG_MAX);
	seed = n >= 0 ? (uint64_t)n : 1;
	verbose = env_number("SHORTIO_VERBOSE", 0, 1) == 1;
	ready = 1;
}

__attribute__((destructor)) static void report(void)
{
	char msg[300];
	int len;

	if (!verbose)
		return;
	/* The program's own output, still buffered at exit, comes first. */
	fflush(stdout);
	len = snprintf(msg, sizeof msg,
		       "shortio: pid %ld: %lu socket calls, %lu shortened "
		       "(SHORTIO_MAX=%zu SHORTIO_SEED=%llu), %lu failed with "
		       "EINTR",
		       (long)getpid(), atomic_load(&calls),
		       atomic_load(&shortened), max_len,
		       (unsigned long long)seed, atomic_load(&interrupted));
	if (len > 0 && (size_t)len < sizeof msg && eagain_pct > 0)
		snprintf(msg + len, sizeof msg - (size_t)len,
			 ", %lu with EAGAIN (SHORTIO_EAGAIN=%u); %lu retried"
			 " at once after EAGAIN (no poll, select or"
			 " epoll_wait between)",
			 atomic_load(&again), eagain_pct, atomic_load(&spins));
	say(msg);
	say("\n");
}

/* The n-th number of the seed's sequence (splitmix64): the sizes depend
 * only on the seed and the order of the calls, never on the clock. */
static uint64_t next_random(void)
{
	uint64_t z = seed + (atomic_fetch_add(&draws, 1) + 1)
				    * UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Is fd a stream socket?  Leaves errno as it found it. */
static int is_stream_socket(int fd)
{
	int saved = errno;
	int type = 0;
	socklen_t len = sizeof type;
	int yes = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0
		  && type == SOCK_STREAM;

	errno = saved;
	return yes;
}

/* Would a call on fd with these flags fail with EAGAIN rather than wait? */
static int is_nonblocking(int fd, int flags)
{
	int saved = errno;
	int fl = fcntl(fd, F_GETFL);

	errno = saved;
	return (flags & MSG_DONTWAIT) || (fl != -1 && (fl & O_NONBLOCK));
}

/* Remember whether the call on fd that just ended failed with EAGAIN;
 * returns its result n, errno untouched. */
static ssize_t after(int fd, ssize_t n)
{
	int err = errno;

	if (active && fd >= 0 && fd < TRACKED_FDS)
		atomic_store(&again_at[fd],
			     n == -1 && (err == EAGAIN || err == EWOULDBLOCK)
				     ? atomic_load(&waits) + 1 : 0);
	errno = err;
	return n;
}

/*
 * The heart of the shim: decide the fate of a call on fd that asks to
 * move *len bytes.  Returns 0 with *len possibly made smaller, or -1 with
 * errno EINTR or EAGAIN when the call is to fail without reaching the
 * kernel.  Counts the call as retried at once if it follows an EAGAIN on
 * fd with no wait between.
 */
static int shorten(int fd, size_t *len, int flags)
{
	size_t n;

	if (!ready)
		setup();	/* called from another library's constructor */
	if (!active || *len == 0 || (flags & MSG_WAITALL)
	    || !is_stream_socket(fd))
		return 0;
	atomic_fetch_add(&calls, 1);
	if (fd < TRACKED_FDS && atomic_load(&again_at[fd]) != 0
	    && atomic_load(&again_at[fd]) == atomic_load(&waits) + 1)
		atomic_fetch_add(&spins, 1);
	if (eintr_pct > 0 && next_random() % 100 < eintr_pct) {
		atomic_fetch_add(&interrupted, 1);
		errno = EINTR;
		return (int)after(fd, -1);
	}
	if (eagain_pct > 0 && is_nonblocking(fd, flags)
	    && next_random() % 100 < eagain_pct) {
		atomic_fetch_add(&again, 1);
		errno = EAGAIN;
		return (int)after(fd, -1);
	}
	if (max_len == 0)
		return 0;
	n = 1 + (size_t)(next_random() % max_len);
	if (n < *len) {
		*len = n;
		atomic_fetch_add(&shortened, 1);
	}
	return 0;
}

/* The total length of a vector, or 0 (leave the call alone) when the
 * kernel would refuse it anyway. */
static size_t iov_total(const struct iovec *iov, size_t count)
{
	size_t total = 0;
	size_t i;

	if (iov == NULL || count > IOV_MAX)
		return 0;
	for (i = 0; i < count; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return 0;
		total += iov[i].iov_len;
	}
	return total;
}

/* Copy into part[] the buffers that hold the first len bytes of iov,
 * the last one cut to fit.  The caller's vector is never changed.
 * Returns how many buffers part[] holds. */
static size_t iov_cut(const struct iovec *iov, size_t count, size_t len,
		      struct iovec *part)
{
	size_t used = 0;
	size_t i;

	for (i = 0; i < count && len > 0 && used < PART_IOVS; i++) {
		if (iov[i].iov_len == 0)
			continue;
		part[used] = iov[i];
		if (part[used].iov_len > len)
			part[used].iov_len = len;
		len -= part[used].iov_len;
		used++;
	}
	return used;
}

/* A real function missing from this libc (the fortified ones outside
 * glibc) makes its call fail as an unknown system call would. */
#define CALL(fn, ...) \
	(real.fn != NULL ? real.fn(__VA_ARGS__) : (errno = ENOSYS, -1))

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(recv, fd, buf, len, flags));
}

ssize_t read(int fd, void *buf, size_t len)
{
	if (shorten(fd, &len, 0) == -1)
		return -1;
	return after(fd, CALL(read, fd, buf, len));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(send, fd, buf, len, flags));
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (shorten(fd, &len, 0) == -1)
		return -1;
	return after(fd, CALL(write, fd, buf, len));
}

/*
 * Under _GNU_SOURCE glibc declares the address argument of recvfrom and
 * sendto as a "transparent union", and gcc -Wpedantic calls any definition
 * of them "not truly compatible", even one that uses glibc's own type.
 * These are the standard types: silence that one warning, here only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *addr, socklen_t *addrlen)
{
	if (shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(recvfrom, fd, buf, len, flags, addr, addrlen));
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t addrlen)
{
	if (shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(sendto, fd, buf, len, flags, addr, addrlen));
}
#pragma GCC diagnostic pop

/* The fortified calls: when len is more than the buffer holds, glibc must
 * still see it and abort the program, so that call is left alone. */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len <= buflen && shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(recv_chk, fd, buf, len, buflen, flags));
}

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len <= buflen && shorten(fd, &len, 0) == -1)
		return -1;
	return after(fd, CALL(read_chk, fd, buf, len, buflen));
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
		       int flags, struct sockaddr *addr, socklen_t *addrlen)
{
	if (len <= buflen && shorten(fd, &len, flags) == -1)
		return -1;
	return after(fd, CALL(recvfrom_chk, fd, buf, len, buflen, flags, addr,
			      addrlen));
}

ssize_t readv(int fd, const struct iovec *iov, int count)
{
	struct iovec part[PART_IOVS];
	size_t total = count > 0 ? iov_total(iov, (size_t)count) : 0;
	size_t len = total;

	if (shorten(fd, &len, 0) == -1)
		return -1;
	if (len < total) {
		count = (int)iov_cut(iov, (size_t)count, len, part);
		iov = part;
	}
	return after(fd, CALL(readv, fd, iov, count));
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
	struct iovec part[PART_IOVS];
	size_t total = count > 0 ? iov_total(iov, (size_t)count) : 0;
	size_t len = total;

	if (shorten(fd, &len, 0) == -1)
		return -1;
	if (len < total) {
		count = (int)iov_cut(iov, (size_t)count, len, part);
		iov = part;
	}
	return after(fd, CALL(writev, fd, iov, count));
}

/* recvmsg and sendmsg work on a copy of the header that points at a
 * shortened copy of the vector; what the kernel writes back into the
 * header (name and control lengths, flags) is copied out again. */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct iovec part[PART_IOVS];
	struct msghdr copy;
	size_t total = msg != NULL ? iov_total(msg->msg_iov, msg->msg_iovlen)
				   : 0;
	size_t len = total;
	ssize_t n;

	if (shorten(fd, &len, flags) == -1)
		return -1;
	if (len == total)
		return after(fd, CALL(recvmsg, fd, msg, flags));
	copy = *msg;
	copy.msg_iov = part;
	copy.msg_iovlen = iov_cut(msg->msg_iov, msg->msg_iovlen, len, part);
	n = after(fd, CALL(recvmsg, fd, &copy, flags));
	msg->msg_namelen = copy.msg_namelen;
	msg->msg_controllen = copy.msg_controllen;
	msg->msg_flags = copy.msg_flags;
	return n;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct iovec part[PART_IOVS];
	struct msghdr copy;
	size_t total = msg != NULL ? iov_total(msg->msg_iov, msg->msg_iovlen)
				   : 0;
	size_t len = total;

	if (shorten(fd, &len, flags) == -1)
		return -1;
	if (len == total)
		return after(fd, CALL(sendmsg, fd, msg, flags));
	copy = *msg;
	copy.msg_iov = part;
	copy.msg_iovlen = iov_cut(msg->msg_iov, msg->msg_iovlen, len, part);
	return after(fd, CALL(sendmsg, fd, &copy, flags));
}

/* The ways to wait: each is counted, then done as asked.  (glibc's
 * fortified poll and ppoll, __poll_chk and __ppoll_chk, call its internal
 * poll, which no preload sees: they are counted here too.) */
static void waited(void)
{
	if (!ready)
		setup();
	atomic_fetch_add(&waits, 1);
}

int poll(struct pollfd *fds, nfds_t count, int timeout)
{
	waited();
	return CALL(poll, fds, count, timeout);
}

int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *tmo,
	  const sigset_t *mask)
{
	waited();
	return CALL(ppoll, fds, count, tmo, mask);
}

int __poll_chk(struct pollfd *fds, nfds_t count, int timeout, size_t fdslen)
{
	waited();
	return CALL(poll_chk, fds, count, timeout, fdslen);
}

int __ppoll_chk(struct pollfd *fds, nfds_t count, const struct timespec *tmo,
		const sigset_t *mask, size_t fdslen)
{
	waited();
	return CALL(ppoll_chk, fds, count, tmo, mask, fdslen);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tmo)
{
	waited();
	return CALL(select, nfds, r, w, e, tmo);
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
	    const struct timespec *tmo, const sigset_t *mask)
{
	waited();
	return CALL(pselect, nfds, r, w, e, tmo, mask);
}

int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout)
{
	waited();
	return CALL(epoll_wait, epfd, events, max, timeout);
}

int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout,
		const sigset_t *mask)
{
	waited();
	return CALL(epoll_pwait, epfd, events, max, timeout, mask);
}
