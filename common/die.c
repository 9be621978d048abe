/* die.c - "prog: what: why" messages and the toolkit's exit statuses. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *argv0 = "lab";

void set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	argv0 = slash ? slash + 1 : name;
}

const char *progname(void)
{
	return argv0;
}

static void vwarn(const char *fmt, va_list ap)
{
	int saved = errno;	/* fflush or fprintf may change errno */
	size_t len = strlen(fmt);

	fflush(stdout);		/* keep stdout and stderr in order */
	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}
