/*
 * round_trip.h - timing round trips, and counting what TCP sent, for
 * lesson 10 (latency).  Like sock_util, nothing here prints or exits.
 */
#ifndef ROUND_TRIP_H
#define ROUND_TRIP_H

#include <stddef.h>

/* Now, in milliseconds, on a clock that only goes forward
 * (CLOCK_MONOTONIC): subtract two of them for a duration. */
double rt_now_ms(void);

/* The median of n > 0 durations.  Sorts ms. */
double rt_median(double *ms, size_t n);

/*
 * How many segments carrying data the socket has sent since it was made,
 * retransmissions left out (TCP_INFO's tcpi_data_segs_out less
 * tcpi_total_retrans, Linux 4.6 and later).  Returns 0 and sets *segs,
 * or -1 with errno.  Linux only.
 */
int rt_data_segments(int fd, unsigned long *segs);

/*
 * Describe n > 0 round trips of the requests sent on fd, in text (which
 * holds size bytes), three lines of two spaces' margin:
 *
 *     round trips (ms): 0.076 43.630 44.001 43.987 43.989 ...
 *     median 43.989 ms, slowest 47.088 ms
 *     data segments sent: 40, 2.0 a request
 *
 * (the first `shown` round trips, then the median and the slowest of
 * all; the last line only where TCP_INFO counts them).  Sorts ms.
 * Returns the median.
 */
double rt_summary(int fd, double *ms, size_t n, size_t shown, char *text,
		  size_t size);

#endif /* ROUND_TRIP_H */
