/*
 * escape.c - quote any bytes as a JSON string or as XML text, for the
 * grader's reports (results.json, junit.xml).
 *
 *   escape json [MAX] <in >out   a JSON string literal, quotes included
 *   escape xml [MAX] <in >out    XML character data, also fit for an
 *                                attribute value between double quotes
 *
 * What a test prints is whatever a student's program wrote: NUL bytes,
 * terminal escapes, broken UTF-8.  Both reports must stay valid whatever
 * comes in, so every byte that is not part of valid UTF-8 becomes U+FFFD,
 * and the control characters a format cannot hold are escaped (JSON) or
 * replaced by U+FFFD (XML 1.0 cannot carry them at all, not even as
 * &#1;).  At most MAX bytes are kept (default: all); the rest is counted
 * and noted, so one runaway program cannot make a report of gigabytes.
 */
#include "die.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu

static void usage(FILE *to)
{
	fprintf(to, "usage: escape json|xml [MAX] <input >output\n");
}

/*
 * Read all of stdin, keeping the first max + 3 bytes (a character that
 * starts before max may end up to 3 bytes after it) and counting the rest.
 */
static char *read_input(size_t max, size_t *kept, size_t *total)
{
	size_t keep = max > SIZE_MAX - 3 ? SIZE_MAX : max + 3;
	size_t len = 0, size = 0, n;
	char *buf = NULL, skip[8192];

	*total = 0;
	do {
		if (len < keep) {
			if (len == size) {
				size = size ? 2 * size : 65536;
				if (size > keep)
					size = keep;
				buf = realloc(buf, size);
				if (buf == NULL)
					die("read: out of memory");
			}
			n = fread(buf + len, 1, size - len, stdin);
			len += n;
		} else {
			n = fread(skip, 1, sizeof skip, stdin);
		}
		*total += n;
	} while (n > 0);
	if (ferror(stdin))
		die("read:");
	*kept = len;
	return buf;
}

/* The length of the UTF-8 character at s (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		*cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		*cp = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;	/* no overlong forms */
		if (s[0] == 0xED)
			hi = 0x9F;	/* no UTF-16 surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		*cp = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;
		if (s[0] == 0xF4)
			hi = 0x8F;	/* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (left < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if (i > 1 && (s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	return len;
}

static void put_utf8(uint32_t cp)
{
	if (cp < 0x80) {
		putchar((int)cp);
	} else if (cp < 0x800) {
		putchar((int)(0xC0 | cp >> 6));
		putchar((int)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		putchar((int)(0xE0 | cp >> 12));
		putchar((int)(0x80 | (cp >> 6 & 0x3F)));
		putchar((int)(0x80 | (cp & 0x3F)));
	} else {
		putchar((int)(0xF0 | cp >> 18));
		putchar((int)(0x80 | (cp >> 12 & 0x3F)));
		putchar((int)(0x80 | (cp >> 6 & 0x3F)));
		putchar((int)(0x80 | (cp & 0x3F)));
	}
}

static void put_json(uint32_t cp)
{
	switch (cp) {
	case '"':
		fputs("\\\"", stdout);
		break;
	case '\\':
		fputs("\\\\", stdout);
		break;
	case '\n':
		fputs("\\n", stdout);
		break;
	case '\r':
		fputs("\\r", stdout);
		break;
	case '\t':
		fputs("\\t", stdout);
		break;
	default:
		if (cp < 0x20 || cp == 0x7F)
			printf("\\u%04x", (unsigned)cp);
		else
			put_utf8(cp);
	}
}

static void put_xml(uint32_t cp)
{
	switch (cp) {
	case '&':
		fputs("&amp;", stdout);
		break;
	case '<':
		fputs("&lt;", stdout);
		break;
	case '>':
		fputs("&gt;", stdout);
		break;
	case '"':
		fputs("&quot;", stdout);
		break;
	case '\'':
		fputs("&apos;", stdout);
		break;
	case '\r':
		fputs("&#13;", stdout);	/* a raw one would read back as \n */
		break;
	default:
		if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE
		    || cp == 0xFFFF)
			put_utf8(REPLACEMENT);
		else
			put_utf8(cp);
	}
}

static void put_text(void (*put)(uint32_t), const char *text)
{
	while (*text != '\0')
		put((unsigned char)*text++);
}

int main(int argc, char **argv)
{
	void (*put)(uint32_t);
	size_t max = SIZE_MAX, kept, total, pos = 0, len;
	int json;
	char *buf, note[64];
	uint32_t cp;

	set_progname(argv[0]);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "json") != 0 && strcmp(argv[1], "xml") != 0)
		die_usage("unknown format '%s': json or xml", argv[1]);
	json = strcmp(argv[1], "json") == 0;
	put = json ? put_json : put_xml;
	if (argc == 3) {
		char *end;

		errno = 0;
		max = strtoul(argv[2], &end, 10);
		if (argv[2][0] < '0' || argv[2][0] > '9' || *end != '\0'
		    || errno != 0)
			die_usage("bad byte count '%s'", argv[2]);
	}

	buf = read_input(max, &kept, &total);
	if (json)
		putchar('"');
	while (pos < kept && pos < max) {
		len = utf8_len((unsigned char *)buf + pos, kept - pos, &cp);
		if (len == 0) {
			cp = REPLACEMENT;
			len = 1;
		}
		put(cp);
		pos += len;
	}
	if (pos < total) {
		snprintf(note, sizeof note, "\n[... %zu more bytes cut]",
			 total - pos);
		put_text(put, note);
	}
	if (json)
		putchar('"');
	free(buf);
	if (fflush(stdout) == EOF || ferror(stdout))
		die("write:");
	return 0;
}
