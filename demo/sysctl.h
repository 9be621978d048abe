/*
 * sysctl.h - a number from the kernel's settings (/proc/sys), for the
 * demos that say what this machine's kernel does: lesson 01's port
 * ranges, lesson 02's SYN retries.  Linux-only: where there is no such
 * file (another system, an older kernel) the caller's fallback is the
 * answer.  Like sock_util, it never prints and never exits.
 */
#ifndef SYSCTL_H
#define SYSCTL_H

/*
 * The index-th number (0 or 1: some settings hold two, such as
 * net.ipv4.ip_local_port_range) of the setting name, written as sysctl(8)
 * does ("net.ipv4.tcp_syn_retries": /proc/sys/net/ipv4/tcp_syn_retries).
 * Returns it, or fallback if there is no such setting or number.
 */
int sysctl_int(const char *name, int index, int fallback);

#endif /* SYSCTL_H */
