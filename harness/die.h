/* One error vocabulary for the harness and the benches. */
#ifndef PW_DIE_H
#define PW_DIE_H

/* Exit codes (DESIGN.md). */
enum {
	EXIT_RUNTIME = 1,     /* failed at run time */
	EXIT_USAGE = 2,       /* bad usage: nothing was started */
	EXIT_MISSING = 4,     /* a requested capability is missing */
	EXIT_INTERRUPTED = 130,
};

/* Set the name that prefixes every message (argv[0]'s basename). */
void die_set_prog(const char *argv0);
const char *die_prog(void);

/* Run fn before exiting from die*() (writes meta.json "failed", restores). */
void die_set_hook(void (*fn)(int code));

/* Replace the exit that ends die_usage (NULL: exit). For the fuzz harnesses,
 * which longjmp back instead, so a refused input is not the end of the run. */
void die_set_usage_exit(void (*fn)(int code));

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die_usage(const char *fmt, ...);
__attribute__((noreturn, format(printf, 2, 3))) void die_code(int code, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void info(const char *fmt, ...);

#endif
