/*
 * teardown_demo.c - steps 1 and 3 of lesson 07's demo.  See
 * teardown_demo.h.
 */
#include "teardown_demo.h"
#include "die.h"
#include "loopback.h"
#include "sock_util.h"
#include "tcp_watch.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Step 1: the peer's kernel ACKs every byte; the peer program reads none. */
void teardown_acked_not_read(void)
{
	static const char bytes[20000];
	char c;
	int fds[2], unsent = 1, unread = 0, i;
	ssize_t n;

	if (loopback_pair(fds, 0, 0) == -1)
		die("loopback connection:");
	n = send(fds[0], bytes, sizeof bytes, MSG_NOSIGNAL);
	printf("  send() returned %zd: the bytes are in our kernel's send"
	       " buffer\n", n);
	for (i = 0; i < 1000 && unsent > 0; i++) {
		ioctl(fds[0], SIOCOUTQ, &unsent);	/* sent, not ACKed */
		poll(NULL, 0, unsent > 0 ? 1 : 0);	/* 1 ms */
	}
	ioctl(fds[1], SIOCINQ, &unread);
	printf("  our send queue holds %d bytes (SIOCOUTQ): the peer's kernel"
	       " ACKed them all\n  yet the peer program read none: %d wait in"
	       " its receive queue (SIOCINQ)\n", unsent, unread);
	close(fds[1]);		/* unread data: the kernel sends a RST */
	n = recv(fds[0], &c, 1, 0);
	printf("  the peer closes without reading; our recv(): %s.\n"
	       "  %zu bytes \"sent\", 0 delivered.\n",
	       n == -1 ? strerror(errno) : "no error?", sizeof bytes);
	close(fds[0]);
}

/* Step 3: close() with unread data resets; SO_LINGER {1, 0} too. */
void teardown_resets(void)
{
	static char answer[100000];
	struct linger abort_close = { 1, 0 };
	struct sockaddr_storage us, them;
	socklen_t len = sizeof us;
	int fds[2];
	ssize_t took, got, n;

	if (loopback_pair(fds, 16384, 0) == -1)	/* a small peer window */
		die("loopback connection:");
	sock_send_all(fds[1], answer, 1000);
	sock_wait(fds[0], POLLIN, 1000);
	sock_set_nonblock(fds[0], 1);
	took = send(fds[0], answer, sizeof answer, MSG_NOSIGNAL);
	close(fds[0]);		/* the peer's 1000 bytes unread: RST */
	printf("  the peer sent 1000 bytes; we answered (send() took %zd)"
	       " and closed\n  without reading them: a RST.\n", took);
	got = 0;	/* what reaches the peer before the RST */
	while ((n = recv(fds[1], answer, sizeof answer, 0)) > 0)
		got += n;
	printf("  The peer reads %zd of them, then recv(): %s\n  (Linux"
	       " hands over what had got there; the other %zd bytes died\n"
	       "  with our socket)\n", got,
	       n == -1 ? strerror(errno) : "end of file?", took - got);
	close(fds[1]);

	if (loopback_pair(fds, 0, 0) == -1)
		die("loopback connection:");
	getsockname(fds[0], (struct sockaddr *)&us, &len);
	getpeername(fds[0], (struct sockaddr *)&them, &len);
	setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &abort_close,
		   sizeof abort_close);
	close(fds[0]);
	printf("  SO_LINGER {1, 0}, then close(): our end is %s at once"
	       " (no TIME_WAIT),\n", tcp_table_state((struct sockaddr *)&us,
						      (struct sockaddr *)&them));
	got = recv(fds[1], answer, 1, 0);
	printf("  and the peer's recv(): %s\n",
	       got == -1 ? strerror(errno) : "no error?");
	close(fds[1]);
}

