/*
 * tcp_mermaid.c - captured segments as a mermaid sequence diagram: see
 * tcp_mermaid.h.
 *
 * What the diagram needs and mermaid allows: participants named by a
 * short id (C1, C2 ... for the clients, by their first segment, then S
 * for the server) with a label of words and digits; one arrow a line,
 * `C1->>S: SYN seq=x`; no `;` or `#` in a label (mermaid reads them as
 * the end of a line and as an entity).
 */
#include "tcp_mermaid.h"

#include <string.h>

/* The first sequence numbers of one client's connection. */
struct conn {
	unsigned port;
	uint32_t x, y;
	int has_x, has_y;
};

void tcp_mermaid_add(struct tcp_mermaid *m, const struct tcp_segment *seg,
		     unsigned server_port)
{
	struct tcp_arrow *a;

	m->server_port = server_port;
	if (m->n == TCP_MERMAID_MAX) {
		m->left_out++;
		return;
	}
	a = &m->arrow[m->n++];
	a->sport = seg->sport;
	a->dport = seg->dport;
	a->seq = seg->seq;
	a->ack = seg->ack;
	a->flags = seg->flags;
	a->len = seg->len;
}

/* The client's port of arrow a. */
static unsigned client_of(const struct tcp_mermaid *m,
			  const struct tcp_arrow *a)
{
	return a->dport == m->server_port ? a->sport : a->dport;
}

/*
 * The clients, in the order of their first segment, with their first
 * sequence numbers: x from the client's SYN, y from the server's
 * SYN-ACK (a retransmission carries the same).  Returns how many.
 */
static size_t find_conns(const struct tcp_mermaid *m, struct conn *c)
{
	size_t i, k, n = 0;

	for (i = 0; i < m->n; i++) {
		const struct tcp_arrow *a = &m->arrow[i];
		unsigned port = client_of(m, a);
		int from_client = a->dport == m->server_port;

		for (k = 0; k < n && c[k].port != port; k++)
			;
		if (k == n)
			c[n++] = (struct conn){ port, 0, 0, 0, 0 };
		if (from_client && a->flags == TCP_FLAG_SYN && !c[k].has_x) {
			c[k].x = a->seq;
			c[k].has_x = 1;
		} else if (!from_client
			   && a->flags == (TCP_FLAG_SYN | TCP_FLAG_ACK)
			   && !c[k].has_y) {
			c[k].y = a->seq;
			c[k].has_y = 1;
		}
	}
	return n;
}

/* "seq=x+1": value relative to base when it is known, else absolute. */
static void number(char *buf, size_t size, const char *what, uint32_t value,
		   char name, uint32_t base, int known)
{
	uint32_t d = value - base;	/* modulo 2^32, as TCP counts */

	if (!known)
		snprintf(buf, size, " %s=%u", what, (unsigned)value);
	else if (d == 0)
		snprintf(buf, size, " %s=%c", what, name);
	else
		snprintf(buf, size, " %s=%c+%u", what, name, (unsigned)d);
}

/* One arrow: "    C1->>S: SYN,ACK seq=y ack=x+1 len=10". */
static void print_arrow(FILE *to, const struct tcp_mermaid *m,
			const struct tcp_arrow *a, const struct conn *c,
			size_t k)
{
	int from_client = a->dport == m->server_port;
	char flags[32], seq[32], ack[32] = "";

	number(seq, sizeof seq, "seq", a->seq, from_client ? 'x' : 'y',
	       from_client ? c->x : c->y, from_client ? c->has_x : c->has_y);
	if (a->flags & TCP_FLAG_ACK)
		number(ack, sizeof ack, "ack", a->ack, from_client ? 'y' : 'x',
		       from_client ? c->y : c->x,
		       from_client ? c->has_y : c->has_x);
	if (from_client)
		fprintf(to, "    C%zu->>S: ", k + 1);
	else
		fprintf(to, "    S->>C%zu: ", k + 1);
	fprintf(to, "%s%s%s", tcp_flags_str(a->flags, flags, sizeof flags),
		seq, ack);
	if (a->len > 0)
		fprintf(to, " len=%zu", a->len);
	fprintf(to, "\n");
}

void tcp_mermaid_print(FILE *to, const struct tcp_mermaid *m, int captured)
{
	struct conn c[TCP_MERMAID_MAX];
	size_t i, k, n;

	if (!captured) {
		fprintf(to, "\n--mermaid: no diagram: --trace could not"
			" capture here (see above), so no segment was"
			" seen\n");
		return;
	}
	if (m->n == 0) {
		fprintf(to, "\n--mermaid: no diagram: no segment was"
			" captured\n");
		return;
	}
	n = find_conns(m, c);
	fprintf(to, "\n--mermaid: the %zu segment(s) captured, as a mermaid"
		" diagram; paste it into\n  a README or an issue, where"
		" GitHub or GitLab draws it:\n\n", m->n + m->left_out);
	fprintf(to, "```mermaid\nsequenceDiagram\n");
	for (k = 0; k < n; k++)
		fprintf(to, "    participant C%zu as client port %u\n", k + 1,
			c[k].port);
	fprintf(to, "    participant S as server port %u\n", m->server_port);
	for (i = 0; i < m->n; i++) {
		unsigned port = client_of(m, &m->arrow[i]);

		for (k = 0; c[k].port != port; k++)
			;
		print_arrow(to, m, &m->arrow[i], &c[k], k);
	}
	if (m->left_out > 0)
		fprintf(to, "    Note over S: %zu more segment(s) not drawn"
			" (--clients 0 draws one connection)\n", m->left_out);
	fprintf(to, "```\n");
	fflush(to);
}
