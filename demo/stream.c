/* stream.c - a checkable byte stream.  See stream.h. */
#include "stream.h"
#include "sock_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

unsigned char stream_byte(size_t i)
{
	return (unsigned char)(i % 251);
}

void stream_fill(unsigned char *buf, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = stream_byte(off + i);
}

uint32_t stream_sum(uint32_t sum, const unsigned char *p, size_t len)
{
	while (len-- > 0)
		sum = (sum ^ *p++) * 16777619u;
	return sum;
}

int stream_check(int fd, char *report, size_t size)
{
	unsigned char buf[16384];
	uint32_t len, sum = STREAM_SUM_START;
	size_t got = 0, i;
	ssize_t n;

	n = sock_recv_all(fd, &len, sizeof len);
	if (n != sizeof len) {
		snprintf(report, size, "no 4-byte length: %s",
			 n == -1 ? strerror(errno) : "the connection closed");
		return -1;
	}
	len = ntohl(len);
	while ((n = recv(fd, buf, sizeof buf, 0)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(report, size, "recv after %zu of %u bytes: %s",
				 got, (unsigned)len, strerror(errno));
			return -1;
		}
		for (i = 0; i < (size_t)n; i++, got++) {
			if (got < len && buf[i] == stream_byte(got))
				continue;
			if (got < len)
				snprintf(report, size, "byte %zu of %u is not"
					 " what was sent", got, (unsigned)len);
			else
				snprintf(report, size, "more than the %u bytes"
					 " announced", (unsigned)len);
			return -1;
		}
		sum = stream_sum(sum, buf, (size_t)n);
	}
	if (got < len) {
		snprintf(report, size, "connection closed after %zu of %u"
			 " bytes", got, (unsigned)len);
		return -1;
	}
	snprintf(report, size, "got all %u bytes, every one as sent"
		 " (checksum %08x)", (unsigned)len, (unsigned)sum);
	return 0;
}
