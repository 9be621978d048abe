/* well_known.c - the notes' standard ports.  See well_known.h. */
#include "well_known.h"

#include <stddef.h>
#include <string.h>

static const struct { unsigned port; const char *name; } well_known[] = {
	{ 20, "ftp-data" }, { 21, "ftp" }, { 22, "ssh" },
	{ 25, "smtp" }, { 80, "http" }, { 443, "https" },
};
#define N_WELL_KNOWN (sizeof well_known / sizeof well_known[0])

const char *well_known_name(unsigned port)
{
	size_t i;

	for (i = 0; i < N_WELL_KNOWN; i++)
		if (well_known[i].port == port)
			return well_known[i].name;
	return NULL;
}

int well_known_port(const char *name)
{
	size_t i;

	for (i = 0; i < N_WELL_KNOWN; i++)
		if (strcmp(well_known[i].name, name) == 0)
			return (int)well_known[i].port;
	return -1;
}
