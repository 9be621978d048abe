/* sysctl.c - a number from the kernel's settings.  See sysctl.h. */
#include "sysctl.h"

#include <stdio.h>

int sysctl_int(const char *name, int index, int fallback)
{
	char path[128];
	int values[2] = { fallback, fallback }, i, n;
	FILE *f;

	n = snprintf(path, sizeof path, "/proc/sys/%s", name);
	if (n < 0 || (size_t)n >= sizeof path || index < 0 || index > 1)
		return fallback;
	for (i = 10; path[i] != '\0'; i++)	/* after "/proc/sys/" */
		if (path[i] == '.')
			path[i] = '/';
	f = fopen(path, "r");
	if (f == NULL)
		return fallback;
	if (fscanf(f, "%d %d", &values[0], &values[1]) < index + 1)
		values[index] = fallback;
	fclose(f);
	return values[index];
}
