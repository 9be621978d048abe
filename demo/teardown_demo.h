/*
 * teardown_demo.h - two steps of lesson 07's demo, each on a loopback
 * connection of its own (loopback.h), narrated on stdout: what the
 * kernels do when a program sends, and when it closes with data left
 * unread.  Like echo_demo, this is a demo's voice: it prints, and it
 * never exits but for die() when a connection cannot be made.
 */
#ifndef TEARDOWN_DEMO_H
#define TEARDOWN_DEMO_H

/*
 * send() is not delivery: 20000 bytes to a peer that never reads.  Our
 * send queue empties (SIOCOUTQ: the peer's kernel ACKed every byte)
 * while they all wait in the peer's receive queue (SIOCINQ); then the
 * peer closes without reading, its kernel resets, and our recv() says
 * ECONNRESET.
 */
void teardown_acked_not_read(void);

/*
 * close() with unread data: a RST instead of a FIN.  The peer can
 * still read (on Linux) what had reached it, then gets ECONNRESET; what
 * was still in our send buffer is lost.  Then SO_LINGER {1, 0}: the
 * abortive close, whose connection leaves no TIME_WAIT behind.
 */
void teardown_resets(void);

#endif /* TEARDOWN_DEMO_H */
