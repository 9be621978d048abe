/* quote.c - bytes made printable.  See quote.h. */
#include "quote.h"

#include <ctype.h>
#include <string.h>

const char *quote(const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	/* 4 characters a byte at most, then the quotes, "..." and NUL. */
	static char text[4 * QUOTE_MAX + 6];
	const unsigned char *p = buf;
	size_t used = 0, i;

	text[used++] = '"';
	for (i = 0; i < len && i < QUOTE_MAX; i++) {
		/* isprint() of the "C" locale: the lessons never set one. */
		if (isprint(p[i]) && p[i] != '"' && p[i] != '\\') {
			text[used++] = (char)p[i];
		} else {
			text[used++] = '\\';
			text[used++] = 'x';
			text[used++] = hex[p[i] >> 4];
			text[used++] = hex[p[i] & 0xf];
		}
	}
	text[used++] = '"';
	strcpy(text + used, len > QUOTE_MAX ? "..." : "");
	return text;
}
