/*
 * line_commands.h - the commands of lesson 09's line protocol, and the
 * reply to each: one line.
 *
 *   PING         PONG
 *   ECHO text    text (any bytes but a newline: NUL bytes too)
 *   ADD a b      the sum of two whole numbers ("ADD 2 40" -> 42), or
 *                "ERR ADD takes two whole numbers" (and on an overflow)
 *   QUIT         BYE, and the server is to close the connection
 *   (anything else)  ERR unknown command
 *
 * Commands are case-sensitive, their words one space apart.  Like
 * sock_util, nothing here prints or exits.
 */
#ifndef LINE_COMMANDS_H
#define LINE_COMMANDS_H

#include <stddef.h>

/* The longest reply, "\n" included, to a line of len bytes. */
#define LINE_REPLY_MAX(len) ((len) + 64)

/*
 * Answer one command line: len bytes, without its "\n", and a NUL after
 * them (line[len] == '\0'; a NUL among them is a byte like any other).
 * Writes the reply, "\n" and all, into reply, which holds size bytes:
 * at least LINE_REPLY_MAX(len).  Sets *quit to 1 for QUIT.  Returns the
 * reply's length.
 */
size_t line_answer(const char *line, size_t len, char *reply, size_t size,
		   int *quit);

#endif /* LINE_COMMANDS_H */
