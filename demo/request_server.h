/*
 * request_server.h - the server of lesson 10 (latency): it answers
 * requests, one at a time, each with a short reply.
 *
 *   a request:  a 4-byte header, the body's length (big-endian), then
 *               the body: any bytes, REQUEST_MAX at most
 *   its reply:  8 bytes: the body's length as the server read it, and
 *               the body's checksum (stream_sum() of stream.h, FNV-1a),
 *               both big-endian, so that the client can tell that every
 *               byte came
 *
 * The server needs the whole request before it can answer: it reads the
 * header, then waits for the body, with nothing to send meanwhile.
 * Like sock_util, nothing here prints or exits (but the demo's server,
 * a child process, which ends with _exit).
 */
#ifndef REQUEST_SERVER_H
#define REQUEST_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define REQUEST_MAX 65536	/* the longest body a server takes */

/*
 * Answer the requests that come on fd until the client closes, and
 * describe how it ended in report, one line: "answered 20 requests",
 * "the connection closed in the middle of request 3: 5 of 104 bytes",
 * "request 2: a body of 900000 bytes, more than 65536".
 * Returns the number of requests answered, or -1 if it ended otherwise
 * than at the end of a request.
 */
long request_serve(int fd, char *report, size_t size);

/*
 * Start the demo's server: a child process listening on 127.0.0.1, on a
 * port the kernel picks, that serves clients connections one after
 * another with request_serve(), then closes all and ends; or sooner, as
 * soon as the process that started it has ended (a demo that died), and
 * after 60 s in any case.  Sets *port.  Returns the child's process id,
 * or -1 with errno.
 */
pid_t request_server(int *port, int clients);

/* Wait for the demo's server to end.  Returns 0, or -1 with errno. */
int request_server_wait(pid_t pid);

#endif /* REQUEST_SERVER_H */
