/*
 * stream.h - a byte stream that can be checked at the other end, for
 * the lessons that move many bytes (lesson 06):
 *
 *     a 4-byte length, big-endian, then that many bytes, byte i being
 *     stream_byte(i)
 *
 * so a receiver can tell whether every byte came, in order, and both
 * ends can print a checksum to compare.  Like sock_util, it never prints
 * and never exits.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_SUM_START 2166136261u	/* FNV-1a's offset basis */

/* Byte i of every stream: i % 251 (a prime, so no power-of-two period). */
unsigned char stream_byte(size_t i);

/* Fill buf with bytes off .. off + len - 1 of the stream. */
void stream_fill(unsigned char *buf, size_t off, size_t len);

/* Add len bytes to a running checksum (32-bit FNV-1a; start with
 * STREAM_SUM_START).  Returns the new sum. */
uint32_t stream_sum(uint32_t sum, const unsigned char *p, size_t len);

/*
 * Read one stream from fd up to the end of the connection, checking
 * every byte, and describe the outcome in report ("got all 1000 bytes,
 * every one as sent (checksum 1a2b3c4d)", "connection closed after 10
 * of 1000 bytes", "byte 7 of 1000 is not what was sent", ...).
 * Returns 0 if the whole stream came as sent and then the end, -1 if
 * not (errno is set when a call failed).
 */
int stream_check(int fd, char *report, size_t size);

#endif /* STREAM_H */
