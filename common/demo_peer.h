/*
 * demo_peer.h - the other end of a demo (lesson 05): a child process
 * at the far end of a loopback connection (loopback.h) that sends in
 * pieces.
 *
 * Like sock_util, it never prints and never exits: functions return 0,
 * or -1 with errno and the name of the call that failed, for the lesson
 * to report.
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

#endif /* DEMO_PEER_H */
