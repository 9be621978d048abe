/*
 * jail.c - run a student's program as the student, for the grader's
 * tests, which run as another user (Linux only).
 *
 *   jail serve SOCKET UID GID HARNESS_UID   (root) the run's broker
 *   jail run PROGRAM [ARG...]               (the tests) run PROGRAM
 *   jail lo                                 (root) bring loopback up
 *
 * A lesson's run (grader/leash.bash) starts one broker as root, then
 * the tests as HARNESS_UID.  A test runs the student's program through
 * a wrapper that is `jail run`: it hands its stdin, stdout and stderr,
 * its arguments, environment and folder to the broker over SOCKET (a
 * Unix socket in a folder only the tests can enter), and the broker
 * starts the program:
 *
 *   - as UID:GID, no supplementary groups, no capabilities, no new
 *     privileges: it can neither signal, trace nor read the tests'
 *     processes, which run as another user;
 *   - in the caller's network and mount namespaces (a test may have
 *     made private ones: unshare -rn, unshare -rm), and in a user
 *     namespace like the caller's when the caller made one;
 *   - in a PID namespace of its own with its own /proc: it sees only
 *     its own processes, and when it ends, everything it started ends
 *     with it, daemons included (where the machine gives no PID
 *     namespace, or LAB_JAIL_PLAIN is set: in a session of its own,
 *     killed when it ends);
 *   - with descriptors 0, 1 and 2 only.
 *
 * `jail run` stays in between: the signals it gets go to the program,
 * and it ends as the program ended (its exit status, or the same
 * signal).  If it is killed, the broker kills the program's namespace.
 * LAB_JAIL_LIMIT (seconds) bounds the program, as `timeout` would (exit
 * 124), in case a test forgot to.  Each time out adds a byte to the
 * file LAB_HANGS; once it holds LAB_HANGS_MAX bytes, the program is not
 * run again (exit 124 at once): it has hung often enough.
 */
#define _GNU_SOURCE

#include "die.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAGIC     0x6a61696cu	/* "jail" */
#define BLOB_MAX  (1u << 20)	/* arguments and environment, at most */

/* The request: this header, then the blob (cwd, argv..., env..., each
 * NUL-terminated); fds 0, 1 and 2 ride with the header.  Then each
 * signal the caller gets, as an int.  The answer: the wait status. */
struct request {
	uint32_t magic;
	uint32_t argc;
	uint32_t envc;
	uint32_t len;
};

/* The signals passed on to the program. */
static const int relayed[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
	SIGWINCH
};
#define NRELAYED (sizeof relayed / sizeof relayed[0])

static void usage(FILE *to)
{
	fprintf(to, "usage: jail serve SOCKET UID GID HARNESS_UID\n"
		"       jail run PROGRAM [ARG...]\n"
		"       jail lo\n");
}

/*
 * Socket I/O through syscall(): the program's environment may preload
 * the short-I/O shim (tools/shortio.c), which must not touch ours.
 */
static int full_io(int fd, void *buf, size_t len, int out)
{
	char *p = buf;
	long n;

	while (len > 0) {
		if (out)
			n = syscall(SYS_sendto, fd, p, len, MSG_NOSIGNAL,
				    NULL, 0);
		else
			n = syscall(SYS_recvfrom, fd, p, len, 0, NULL, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int put_int(int fd, int value)
{
	return full_io(fd, &value, sizeof value, 1);
}

/* ---- the caller: jail run --------------------------------------------- */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;

	if (write(sig_pipe[1], &sig, sizeof sig) < 0) {
		/* full: the signal is dropped, as a pending one would be */
	}
	errno = saved;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Has the program hung LAB_HANGS_MAX times already?  Then say so. */
static int hung_enough(const char *prog)
{
	const char *slash = strrchr(prog, '/');
	const char *file = getenv("LAB_HANGS");
	const char *max = getenv("LAB_HANGS_MAX");
	struct stat st;

	if (file == NULL || max == NULL || atol(max) <= 0
	    || stat(file, &st) != 0 || st.st_size < atol(max))
		return 0;
	fprintf(stderr, "lab: %s did not finish within its time limit %ld"
		" times: not run again, it timed out\n",
		slash != NULL ? slash + 1 : prog, (long)st.st_size);
	return 1;
}

static void note_hang(void)
{
	const char *file = getenv("LAB_HANGS");
	int fd;

	if (file == NULL)
		return;
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, "x", 1) != 1) {
			/* the count is a courtesy: carry on */
		}
		close(fd);
	}
}

/* End as the program ended: its exit status, or its signal. */
static void exit_like(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t all;
	int sig;

	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	kill(getpid(), sig);
	exit(128 + sig);
}

/* Append s (with its NUL) to the blob. */
static int blob_add(char **blob, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (*len + n > BLOB_MAX)
		return -1;
	p = realloc(*blob, *len + n);
	if (p == NULL)
		return -1;
	memcpy(p + *len, s, n);
	*blob = p;
	*len += n;
	return 0;
}

static int send_request(int sock, char **argv, char **envp)
{
	struct request req = { MAGIC, 0, 0, 0 };
	char cwd[4096], *blob = NULL, cbuf[CMSG_SPACE(3 * sizeof(int))];
	size_t len = 0;
	int fds[3] = { 0, 1, 2 }, status = -1;
	struct iovec iov = { &req, sizeof req };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;

	if (getcwd(cwd, sizeof cwd) == NULL)
		strcpy(cwd, "/");
	if (blob_add(&blob, &len, cwd) < 0)
		goto out;
	for (; argv[req.argc] != NULL; req.argc++)
		if (blob_add(&blob, &len, argv[req.argc]) < 0)
			goto out;
	for (; envp[req.envc] != NULL; req.envc++)
		if (blob_add(&blob, &len, envp[req.envc]) < 0)
			goto out;
	req.len = (uint32_t)len;

	memset(cbuf, 0, sizeof cbuf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
	if (syscall(SYS_sendmsg, sock, &msg, MSG_NOSIGNAL) != sizeof req)
		goto out;
	status = full_io(sock, blob, len, 1);
out:
	free(blob);
	return status;
}

static int run(char **argv, char **envp)
{
	const char *path = getenv("LAB_JAIL");
	const char *limit = getenv("LAB_JAIL_LIMIT");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa;
	struct pollfd pfd[2];
	int sock, sig, status;
	long deadline = -1, left;
	size_t i;

	if (path == NULL || strlen(path) >= sizeof addr.sun_path)
		die("LAB_JAIL is not the socket of a run's broker");
	if (hung_enough(argv[0]))
		return 124;
	strcpy(addr.sun_path, path);
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe:");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NRELAYED; i++)
		sigaction(relayed[i], &sa, NULL);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		die("socket:");
	if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect %s:", path);
	if (send_request(sock, argv, envp) < 0)
		die("cannot hand %s to the broker", argv[0]);
	if (limit != NULL && atoi(limit) > 0)
		deadline = now_ms() + 1000L * atoi(limit);

	pfd[0].fd = sock;
	pfd[0].events = POLLIN;
	pfd[1].fd = sig_pipe[0];
	pfd[1].events = POLLIN;
	for (;;) {
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0) {	/* our own limit */
			note_hang();
			fprintf(stderr, "lab: %s did not finish within %s s"
				" and was killed\n", argv[0], limit);
			return 124;	/* the broker kills it */
		}
		if (poll(pfd, 2, (int)(left > 60000 ? 60000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			die("poll:");
		}
		while (read(sig_pipe[0], &sig, sizeof sig) == sizeof sig)
			put_int(sock, sig);
		if (pfd[0].revents != 0) {
			if (full_io(sock, &status, sizeof status, 0) < 0)
				die("the broker went away");
			exit_like(status);
		}
	}
}

/* ---- the broker: jail serve ------------------------------------------- */

static uid_t run_uid;
static gid_t run_gid;
static uid_t harness_uid;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * Which id inside the caller's user namespace is `outside` (its uid or
 * gid in ours)?  -1 if the namespace does not map it.
 */
static long inside_id(pid_t pid, const char *map, unsigned long outside)
{
	char path[64];
	unsigned long in, out, count;
	long found = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, map);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		if (outside >= out && outside - out < count)
			found = (long)(in + (outside - out));
	fclose(f);
	return found;
}

/* Is the caller in a user namespace other than ours? */
static int other_userns(pid_t pid)
{
	char path[64];
	struct stat mine, theirs;

	snprintf(path, sizeof path, "/proc/%ld/ns/user", (long)pid);
	if (stat("/proc/self/ns/user", &mine) != 0 || stat(path, &theirs) != 0)
		return 0;
	return mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev;
}

/*
 * In the program's process, before exec: become the run's user, in a
 * user namespace like the caller's if it had one (mapping the same
 * inside ids: root in `unshare -r`, nobody in `unshare -U`).
 */
static void become_student(long uid_in, long gid_in, int userns)
{
	char map[64];

	if (setgroups(0, NULL) < 0 || setresgid(run_gid, run_gid, run_gid) < 0
	    || setresuid(run_uid, run_uid, run_uid) < 0)
		die("cannot become uid %ld:", (long)run_uid);
	if (userns) {
		/* Changing uid made /proc/self root's: make it ours again. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (unshare(CLONE_NEWUSER) < 0)
			die("a user namespace like the caller's:");
		if (uid_in >= 0) {
			snprintf(map, sizeof map, "%ld %ld 1", uid_in,
				 (long)run_uid);
			write_file("/proc/self/uid_map", map);
		}
		if (gid_in >= 0) {
			write_file("/proc/self/setgroups", "deny");
			snprintf(map, sizeof map, "%ld %ld 1", gid_in,
				 (long)run_gid);
			write_file("/proc/self/gid_map", map);
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no new privileges:");
}

/* Close every descriptor from `from` on. */
static void close_from(int from)
{
	struct rlimit rl;
	int fd, max = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, from, ~0U, 0) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (fd = from; fd < max; fd++)
		close(fd);
}

/* In the program's process: become the program, as the student. */
static void start_program(const int fds[3], const char *cwd, char **argv,
			  char **envp, long uid_in, long gid_in, int userns)
{
	size_t i;

	setsid();
	for (i = 0; i < 3; i++)
		if (fds[i] != (int)i && dup2(fds[i], (int)i) < 0)
			_exit(126);
	close_from(3);
	if (chdir(cwd) < 0 && chdir("/") < 0)
		_exit(126);
	/* The broker is the OOM killer's last choice; not the program. */
	write_file("/proc/self/oom_score_adj", "0");
	become_student(uid_in, gid_in, userns);
	execve(argv[0], argv, envp);
	fprintf(stderr, "jail: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * Where the machine gives no PID namespace (a container without
 * CAP_SYS_ADMIN): the program in a session of its own, signals passed
 * on, its session killed when it ends.  What left the session lives on
 * until the run ends (grader/leash.bash kills every process of the
 * run's user then).
 */
static void serve_plain(int conn, const int fds[3], char *cwd, char **argv,
			char **envp)
{
	struct pollfd pfd = { conn, POLLIN, 0 };
	int status, sig, n;
	pid_t prog = fork();

	if (prog < 0)
		die("fork:");
	if (prog == 0) {
		close(conn);
		start_program(fds, cwd, argv, envp, -1, -1, 0);
	}
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	for (;;) {
		if (waitpid(prog, &status, WNOHANG) == prog) {
			kill(-prog, SIGKILL);
			put_int(conn, status);
			_exit(0);
		}
		n = poll(&pfd, 1, 50);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			if (full_io(conn, &sig, sizeof sig, 0) < 0)
				break;	/* the caller is gone: so is it */
			if (sig > 0 && sig < NSIG)
				kill(prog, sig);
		}
	}
	kill(-prog, SIGKILL);
	kill(prog, SIGKILL);
	waitpid(prog, NULL, 0);
	_exit(0);
}

/*
 * The namespace's first process: start the program, pass it the
 * signals, reap whatever it leaves, and write its wait status to
 * status_fd when it ends.  When this process ends, the kernel kills
 * everything left in the namespace.
 */
static void init_process(int status_fd, const int fds[3], char *cwd,
			 char **argv, char **envp, long uid_in, long gid_in,
			 int userns)
{
	sigset_t set;
	siginfo_t info;
	pid_t prog, pid;
	int status;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	      NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < NRELAYED; i++)
		sigaddset(&set, relayed[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);

	prog = fork();
	if (prog < 0)
		die("fork:");
	if (prog == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		close(status_fd);
		start_program(fds, cwd, argv, envp, uid_in, gid_in, userns);
	}
	for (i = 0; i < 3; i++)
		close(fds[i]);
	for (;;) {
		if (sigwaitinfo(&set, &info) < 0)
			continue;
		if (info.si_signo != SIGCHLD) {
			kill(prog, info.si_signo);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == prog) {
				if (write(status_fd, &status, sizeof status)) {
					/* the supervisor reads it, or is gone */
				}
				_exit(0);
			}
	}
}

static int recv_request(int conn, struct request *req, int fds[3])
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { req, sizeof *req };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	ssize_t n;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	cmsg = CMSG_FIRSTHDR(&msg);
	if (n != (ssize_t)sizeof *req || cmsg == NULL
	    || cmsg->cmsg_type != SCM_RIGHTS
	    || cmsg->cmsg_len != CMSG_LEN(3 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(cmsg), 3 * sizeof(int));
	if (req->magic != MAGIC || req->len > BLOB_MAX || req->argc == 0
	    || req->argc > req->len || req->envc > req->len)
		return -1;
	return 0;
}

/* Split the blob into cwd, argv and envp (NULL-terminated). */
static int split_blob(char *blob, const struct request *req, char **cwd,
		      char ***argv, char ***envp)
{
	char **v = calloc((size_t)req->argc + req->envc + 3, sizeof *v);
	char *p = blob, *end = blob + req->len;
	uint32_t i, n = req->argc + req->envc + 1;

	if (v == NULL || req->len == 0 || end[-1] != '\0')
		return -1;
	for (i = 0; i < n; i++) {
		if (p >= end)
			return -1;
		v[i] = p;
		p += strlen(p) + 1;
	}
	*cwd = v[0];
	*argv = v + 1;
	memmove(v + req->argc + 2, v + req->argc + 1,
		req->envc * sizeof *v);
	v[req->argc + 1] = NULL;
	*envp = v + req->argc + 2;
	(*envp)[req->envc] = NULL;
	return 0;
}

/* Is the namespace at path (a /proc/PID/ns/NAME) ours too? */
static int same_ns(const char *path, const char *name)
{
	char mine[64];
	struct stat a, b;

	snprintf(mine, sizeof mine, "/proc/self/ns/%s", name);
	return stat(mine, &a) == 0 && stat(path, &b) == 0
	       && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Join the caller's network and mount namespaces. */
static void join_caller(pid_t pid)
{
	static const struct { const char *name; int type; } ns[] = {
		{ "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS }
	};
	char path[64];
	int fd;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/proc/%ld/ns/%s", (long)pid,
			 ns[i].name);
		if (same_ns(path, ns[i].name))
			continue;	/* ours already (no namespaces here?) */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, ns[i].type) < 0)
			die("join the caller's %s namespace:", ns[i].name);
		close(fd);
	}
}

/* One caller, in a process of its own. */
static void serve_one(int conn)
{
	struct request req = { 0, 0, 0, 0 };
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct pollfd pfd[2];
	char *blob, *cwd, **argv, **envp;
	int fds[3], status_pipe[2], status = SIGKILL, sig, userns;
	long uid_in = -1, gid_in = -1;
	pid_t init;

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0
	    || cred.uid != harness_uid || recv_request(conn, &req, fds) < 0)
		_exit(1);
	blob = malloc(req.len ? req.len : 1);
	if (blob == NULL || full_io(conn, blob, req.len, 0) < 0
	    || split_blob(blob, &req, &cwd, &argv, &envp) < 0)
		_exit(1);
	userns = other_userns(cred.pid);
	if (userns) {
		uid_in = inside_id(cred.pid, "uid_map", cred.uid);
		gid_in = inside_id(cred.pid, "gid_map", cred.gid);
	}
	join_caller(cred.pid);
	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		die("pipe:");
	if (getenv("LAB_JAIL_PLAIN") != NULL
	    || unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
		serve_plain(conn, fds, cwd, argv, envp);
	init = fork();
	if (init < 0)
		die("fork:");
	if (init == 0) {
		close(conn);
		close(status_pipe[0]);
		init_process(status_pipe[1], fds, cwd, argv, envp, uid_in,
			     gid_in, userns);
	}
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	close(status_pipe[1]);

	pfd[0].fd = conn;
	pfd[0].events = POLLIN;
	pfd[1].fd = status_pipe[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0) {	/* the program ended */
			if (read(status_pipe[0], &status, sizeof status)
			    != sizeof status)
				status = SIGKILL;	/* killed: OOM, say */
			put_int(conn, status);
			break;
		}
		if (full_io(conn, &sig, sizeof sig, 0) < 0)
			break;		/* the caller is gone: so is it */
		if (sig > 0 && sig < NSIG)
			kill(init, sig);
	}
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);
	_exit(0);
}

static long number(const char *s, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || n <= 0)
		die_usage("bad %s '%s'", what, s);
	return n;
}

static int serve(char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa;
	int sock, conn;
	pid_t pid;

	if (strlen(argv[0]) >= sizeof addr.sun_path)
		die_usage("socket path too long: %s", argv[0]);
	run_uid = (uid_t)number(argv[1], "uid");
	run_gid = (gid_t)number(argv[2], "gid");
	harness_uid = (uid_t)number(argv[3], "harness uid");
	strcpy(addr.sun_path, argv[0]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT;	/* no zombies of served callers */
	sigaction(SIGCHLD, &sa, NULL);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		die("socket:");
	unlink(addr.sun_path);
	if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0
	    || chmod(addr.sun_path, 0666) < 0 || listen(sock, 64) < 0)
		die("listen on %s:", addr.sun_path);
	/* Ready: the parent returns, the broker serves in the background. */
	pid = fork();
	if (pid < 0)
		die("fork:");
	if (pid > 0) {
		close(sock);
		return 0;
	}
	for (;;) {
		conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		pid = fork();
		if (pid == 0) {
			close(sock);
			sa.sa_handler = SIG_DFL;
			sa.sa_flags = 0;
			sigaction(SIGCHLD, &sa, NULL);
			serve_one(conn);
		}
		close(conn);
	}
}

/* ---- jail lo ------------------------------------------------------------ */

static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("lo:");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("lo up:");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	set_progname(argv[0]);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return run(argv + 2, environ);
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return serve(argv + 2);
	if (argc == 2 && strcmp(argv[1], "lo") == 0)
		return loopback_up();
	usage(stderr);
	return EXIT_USAGE;
}
