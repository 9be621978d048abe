/*
 * die.h - how lesson programs report trouble, in one style:
 *
 *     prog: what: why
 *
 * A format ending in ':' gets the text of errno appended, as in
 * suckless' eprintf:   die("connect %s:", where)
 *   -> "client: connect 127.0.0.1:1234: Connection refused"
 *
 * Unlike sock_util, this module prints and exits: it is the program's
 * side of error handling.  Exit statuses are the toolkit's:
 *   0 success, 1 runtime failure (die), 2 usage error (die_usage).
 */
#ifndef DIE_H
#define DIE_H

#if defined(__GNUC__)
#define DIE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DIE_NORETURN     __attribute__((noreturn))
#else
#define DIE_PRINTF(f, a)
#define DIE_NORETURN
#endif

#define EXIT_USAGE 2

/* The program's name for messages; set it once from main: set_progname(argv[0]). */
void set_progname(const char *argv0);
const char *progname(void);

/* Print "prog: message" on stderr and exit 1. */
void die(const char *fmt, ...) DIE_PRINTF(1, 2) DIE_NORETURN;

/* Print "prog: message" on stderr and exit 2 (the caller was wrong). */
void die_usage(const char *fmt, ...) DIE_PRINTF(1, 2) DIE_NORETURN;

/* Print "prog: message" on stderr and carry on. */
void warn(const char *fmt, ...) DIE_PRINTF(1, 2);

#endif /* DIE_H */
