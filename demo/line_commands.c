/* line_commands.c - lesson 09's commands.  See line_commands.h. */
#include "line_commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ADD's two whole numbers, and their sum if it fits.  Returns 0, or -1
 * for anything else ("1", "x y", "1  2", an overflow). */
static int add(const char *args, long long *sum)
{
	long long a, b;
	char *end;

	errno = 0;
	a = strtoll(args, &end, 10);
	if (end == args || *end != ' ')
		return -1;
	args = end + 1;
	b = strtoll(args, &end, 10);
	if (end == args || *end != '\0' || errno != 0
	    || (b > 0 && a > LLONG_MAX - b) || (b < 0 && a < LLONG_MIN - b))
		return -1;
	*sum = a + b;
	return 0;
}

/* Is the line exactly this word? */
static int is(const char *line, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(line, word, len) == 0;
}

size_t line_answer(const char *line, size_t len, char *reply, size_t size,
		   int *quit)
{
	long long sum;

	if (is(line, len, "PING"))
		return (size_t)snprintf(reply, size, "PONG\n");
	if (is(line, len, "QUIT")) {
		*quit = 1;
		return (size_t)snprintf(reply, size, "BYE\n");
	}
	if (is(line, len, "ECHO"))
		return (size_t)snprintf(reply, size, "\n");
	if (len >= 5 && memcmp(line, "ECHO ", 5) == 0) {
		memcpy(reply, line + 5, len - 5);	/* bytes, not text */
		reply[len - 5] = '\n';
		return len - 4;
	}
	/* strlen: a NUL inside would hide the rest from strtoll. */
	if (len > 4 && memcmp(line, "ADD ", 4) == 0 && strlen(line) == len
	    && add(line + 4, &sum) == 0)
		return (size_t)snprintf(reply, size, "%lld\n", sum);
	if (is(line, len, "ADD") || (len > 4 && memcmp(line, "ADD ", 4) == 0))
		return (size_t)snprintf(reply, size,
					"ERR ADD takes two whole numbers\n");
	return (size_t)snprintf(reply, size, "ERR unknown command\n");
}
