/*
 * quote.h - bytes made printable, for the demos that show what they
 * read: between double quotes, each byte that is not a printable ASCII
 * character (or is '"' or '\') as \xNN, so that NUL bytes show too:
 *
 *     "Length first,\x00 then exactly that many bytes."
 *
 * Like sock_util, it never prints and never exits.
 */
#ifndef QUOTE_H
#define QUOTE_H

#include <stddef.h>

#define QUOTE_MAX 65536	/* the most bytes quote() shows; then "..." */

/* Quote len bytes of buf.  Returns the text, NUL-terminated, in a
 * buffer of quote()'s own, which the next call overwrites. */
const char *quote(const void *buf, size_t len);

#endif /* QUOTE_H */
