/*
 * demo_peer.c - a demo's peer in a child process.  See demo_peer.h:
 * nothing here prints or exits.
 */
#include "demo_peer.h"
#include "loopback.h"
#include "sock_util.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_TIMEOUT_MS 10000	/* no step of a demo waits longer */

int demo_sender(struct demo_sender *s, const void *msg, size_t len,
		size_t piece)
{
	int fds[2], saved;

	s->failed = "loopback connection";
	if (loopback_pair(fds, 0, 0) == -1)
		return -1;
	s->failed = "fork";
	s->pid = loopback_dribble(fds, msg, len, piece);
	if (s->pid == -1) {
		saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	s->failed = NULL;
	s->fd = fds[0];
	sock_set_timeout(s->fd, PEER_TIMEOUT_MS);
	return 0;
}

void demo_hang_up(struct demo_sender *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	s->fd = -1;
	while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
		;
}
