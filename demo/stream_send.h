/*
 * stream_send.h - the sending side of a checkable stream (stream.h),
 * for a lesson that sends one with its own send_all() (lesson 06): the
 * receiver then checks the lesson's work, byte by byte.
 *
 * Like sock_util, it never prints and never exits.
 */
#ifndef STREAM_SEND_H
#define STREAM_SEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Sends all len bytes of buf on fd; returns len, or -1 with errno:
 * sock_send_all(), or a lesson's send_all(). */
typedef ssize_t stream_send_fn(int fd, const void *buf, size_t len);

/* A whole stream of len bytes in buf, which holds 4 + len bytes: the
 * length, big-endian, then the bytes. */
void stream_make(unsigned char *buf, uint32_t len);

/*
 * Send a stream of len bytes on fd: its length, then the bytes, 64 KiB
 * at a time, each piece with send_all().  The socket is non-blocking
 * meanwhile, as in lesson 06's demo: a full send buffer is EAGAIN, which
 * send_all() must wait out with poll(); it is left blocking.  Sets *sum
 * to the checksum of the bytes, the one a checking receiver reports.
 * Returns 0, or -1 with errno as send_all() left it.
 */
int stream_send(int fd, uint32_t len, stream_send_fn *send_all,
		uint32_t *sum);

/*
 * Read the verdict a checking receiver (`peer check`) sends back once
 * it has seen the end of the stream (shutdown(fd, SHUT_WR) first), up
 * to the end of the connection: into buf, NUL-terminated, of which
 * size - 1 bytes are kept.  Returns its length (0: none came), or -1
 * with errno.
 */
ssize_t stream_verdict(int fd, char *buf, size_t size);

/*
 * Why a stream_send() to where failed with errno err, as a line for the
 * lesson to print: "send 127.0.0.1:1234: Broken pipe (the receiver
 * closed the connection before reading everything)".  Returns the text,
 * in a buffer of its own, which the next call overwrites.
 */
const char *stream_send_why(const char *where, int err);

#endif /* STREAM_SEND_H */
