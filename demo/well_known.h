/*
 * well_known.h - the standard ports the course notes name (ftp-data,
 * ftp, ssh, smtp, http, https), for lesson 01 to know them even on a
 * system without /etc/services, where getservbyname(3) finds nothing.
 * Like sock_util, it never prints and never exits.
 */
#ifndef WELL_KNOWN_H
#define WELL_KNOWN_H

/* The name of port (22: "ssh"), or NULL if the notes do not name it. */
const char *well_known_name(unsigned port);

/* The port of name ("ssh": 22), or -1 if the notes do not name it. */
int well_known_port(const char *name);

#endif /* WELL_KNOWN_H */
