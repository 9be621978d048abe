/*
 * demo_peer.h - the other ends of the demos of lessons 05 and 06: a
 * child process at the far end of a loopback connection (loopback.h)
 * that sends in pieces (lesson 05's sender) or receives and checks
 * (lesson 06's receiver).
 *
 * Like sock_util, it never prints and never exits: functions return 0,
 * or -1 with errno and the name of the call that failed, for the lesson
 * to report.  What a receiver has to say comes back as text, for the
 * lesson to print.
 */
#ifndef DEMO_PEER_H
#define DEMO_PEER_H

#include <stddef.h>
#include <sys/types.h>

/* Lesson 05's peer, while it runs. */
struct demo_sender {
	int fd;			/* our end of the connection */
	pid_t pid;		/* the sender */
	const char *failed;	/* demo_sender() failed: in which call */
};

/*
 * Start lesson 05's peer: a fresh loopback connection whose far end, a
 * child process, sends len bytes of msg, piece bytes at a time, each
 * once we have read the one before (loopback_dribble()).  Every recv()
 * on our end, s->fd, is bounded to 10 s: a stuck sender cannot hang
 * the demo.  Returns 0, or -1 with errno and s->failed naming the call
 * that failed ("loopback connection", "fork").
 */
int demo_sender(struct demo_sender *s, const void *msg, size_t len,
		size_t piece);

/* Hang up on the sender (it stops when it sees our FIN: shutdown),
 * close our end and wait for the sender to end. */
void demo_hang_up(struct demo_sender *s);

/* Lesson 06's peer, while it runs. */
struct demo_receiver {
	pid_t pid;
	int report;		/* the pipe its report comes back on */
	const char *failed;	/* demo_receiver() failed: in which call */
	char said[160];		/* its report, once it has ended */
};

/*
 * Start lesson 06's receiver on fds[1], the far end of a loopback
 * connection, in a child process: it reads one checkable stream
 * (stream.h) to the end and reports on it (stream_check()), or, with
 * limit > 0, reads limit bytes and closes without reading the rest;
 * each recv() bounded to 10 s.  Our copy of fds[1] is closed, so the
 * receiver's close ends the connection.
 * Returns 0, or -1 with errno and r->failed naming the call that failed
 * ("pipe", "fork"); then nothing was started.
 */
int demo_receiver(struct demo_receiver *r, int fds[2], size_t limit);

/*
 * Wait for the receiver to end.  Returns its one-line report, in
 * r->said: "got all 262144 bytes, every one as sent (checksum ...)",
 * "read 65536 bytes, and now closes without reading the rest", ...; or
 * why there is none ("waitpid: No child processes").
 */
const char *demo_receiver_wait(struct demo_receiver *r);

#endif /* DEMO_PEER_H */
