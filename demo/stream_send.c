/* stream_send.c - send a checkable stream.  See stream_send.h. */
#include "stream_send.h"
#include "sock_util.h"
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PIECE 65536	/* bytes a send_all() call: big enough to be fast */

void stream_make(unsigned char *buf, uint32_t len)
{
	uint32_t head = htonl(len);

	memcpy(buf, &head, sizeof head);
	stream_fill(buf + sizeof head, 0, len);
}

int stream_send(int fd, uint32_t len, stream_send_fn *send_all,
		uint32_t *sum)
{
	static unsigned char piece[PIECE];
	uint32_t head = htonl(len);
	size_t off, n;
	int status = -1, err;

	*sum = STREAM_SUM_START;
	if (sock_set_nonblock(fd, 1) == -1)
		return -1;
	if (send_all(fd, &head, sizeof head) == -1)
		goto out;
	for (off = 0; off < len; off += n) {
		n = len - off < PIECE ? len - off : PIECE;
		stream_fill(piece, off, n);
		*sum = stream_sum(*sum, piece, n);
		if (send_all(fd, piece, n) == -1)
			goto out;
	}
	status = 0;
out:
	err = errno;
	sock_set_nonblock(fd, 0);
	errno = err;
	return status;
}

ssize_t stream_verdict(int fd, char *buf, size_t size)
{
	ssize_t got = sock_recv_all(fd, buf, size - 1);

	buf[got > 0 ? got : 0] = '\0';
	return got;
}

const char *stream_send_why(const char *where, int err)
{
	static char why[SOCK_ADDRSTRLEN + 128];

	if (err == EPIPE || err == ECONNRESET)
		snprintf(why, sizeof why, "send %s: %s (the receiver closed the"
			 " connection before reading everything)", where,
			 strerror(err));
	else if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT)
		snprintf(why, sizeof why, "send %s: no room for 10 s (is the"
			 " receiver reading?)", where);
	else
		snprintf(why, sizeof why, "send %s: %s", where, strerror(err));
	return why;
}
