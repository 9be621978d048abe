/* round_trip.c - timing and segment counts.  See round_trip.h. */
#include "round_trip.h"

#include <errno.h>
#include <linux/tcp.h>	/* struct tcp_info in full: glibc's is older */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

double rt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double rt_median(double *ms, size_t n)
{
	qsort(ms, n, sizeof *ms, by_value);
	return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

int rt_data_segments(int fd, unsigned long *segs)
{
	struct tcp_info info;
	socklen_t len = sizeof info;

	memset(&info, 0, sizeof info);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == -1)
		return -1;
	/* An older kernel fills less of the struct: no count there. */
	if (len < offsetof(struct tcp_info, tcpi_data_segs_out)
		  + sizeof info.tcpi_data_segs_out) {
		errno = ENOPROTOOPT;
		return -1;
	}
	/* Less the retransmissions: a probe for a lost tail (sent when the
	 * peer's ACK is late, as on a busy machine) is not a new segment. */
	*segs = info.tcpi_data_segs_out;
	if (*segs >= info.tcpi_total_retrans)
		*segs -= info.tcpi_total_retrans;
	return 0;
}

double rt_summary(int fd, double *ms, size_t n, size_t shown, char *text,
		  size_t size)
{
	unsigned long segs;
	size_t used, i;
	double median;

	used = (size_t)snprintf(text, size, "  round trips (ms):");
	for (i = 0; i < n && i < shown && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, " %.3f",
					 ms[i]);
	median = rt_median(ms, n);
	if (used < size)
		used += (size_t)snprintf(text + used, size - used,
					 "%s\n  median %.3f ms, slowest %.3f"
					 " ms\n", n > shown ? " ..." : "",
					 median, ms[n - 1]);
	if (used < size && rt_data_segments(fd, &segs) == 0)
		snprintf(text + used, size - used, "  data segments sent:"
			 " %lu, %.1f a request\n", segs,
			 (double)segs / (double)n);
	return median;
}
