/*
 * tcp_mermaid.h - captured segments (tcp_trace.h) drawn as a mermaid
 * sequence diagram, the text that GitHub and GitLab draw as a picture
 * inside a ```mermaid block: so a student can paste their own capture
 * into a README or an issue.
 *
 * One arrow a segment, in the order captured, from the client's port
 * to the server's or back, with its flags and its seq and ack numbers
 * relative to the connection's first ones, as the lesson's diagram has
 * them: x the client's (its SYN's seq), y the server's (its SYN-ACK's).
 *
 * Unlike tcp_trace, this is a demo's voice: tcp_mermaid_print() prints.
 * It never exits.
 */
#ifndef TCP_MERMAID_H
#define TCP_MERMAID_H

#include "tcp_trace.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most segments one diagram draws; the rest are counted. */
#define TCP_MERMAID_MAX 256

/* One segment, as much as an arrow shows. */
struct tcp_arrow {
	unsigned sport, dport;
	uint32_t seq, ack;
	unsigned flags;		/* TCP_FLAG_* */
	size_t len;		/* payload bytes */
};

/* The segments to and from one server port, in order.  Start with all
 * zero (a static one is). */
struct tcp_mermaid {
	unsigned server_port;	/* 0 until the first segment */
	size_t n;		/* arrows kept */
	size_t left_out;	/* segments past TCP_MERMAID_MAX */
	struct tcp_arrow arrow[TCP_MERMAID_MAX];
};

/* Add seg, captured to or from the server's port. */
void tcp_mermaid_add(struct tcp_mermaid *m, const struct tcp_segment *seg,
		     unsigned server_port);

/*
 * Print the diagram on to, fenced as ```mermaid ... ``` so that it can
 * be pasted as it is, after a line saying what it is.  captured is 0
 * when there was no capture at all (--trace could not open one): then
 * say so instead, in one line.
 */
void tcp_mermaid_print(FILE *to, const struct tcp_mermaid *m, int captured);

#endif /* TCP_MERMAID_H */
