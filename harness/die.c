/* die(), die_errno(), die_usage(), warn(): one line on stderr, named after
 * the program, then the exit code DESIGN.md gives. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "pagewalk";
static void (*exit_hook)(int code);

void die_set_prog(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	prog = slash ? slash + 1 : argv0;
}

const char *die_prog(void)
{
	return prog;
}

void die_set_hook(void (*fn)(int code))
{
	exit_hook = fn;
}

/* How die_usage ends: exit, or (fuzz harnesses) a jump back to the input. */
static void (*usage_exit)(int code) = exit;

void die_set_usage_exit(void (*fn)(int code))
{
	usage_exit = fn ? fn : exit;
}

static void vreport(const char *kind, const char *fmt, va_list ap, const char *tail)
{
	fprintf(stderr, "%s: %s", prog, kind);
	vfprintf(stderr, fmt, ap);
	if (tail)
		fprintf(stderr, ": %s", tail);
	fputc('\n', stderr);
}

static __attribute__((noreturn)) void leave(int code)
{
	void (*fn)(int) = exit_hook;

	exit_hook = NULL; /* a hook that dies must not loop */
	if (fn)
		fn(code);
	exit(code);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap, NULL);
	va_end(ap);
	leave(EXIT_RUNTIME);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap, strerror(err));
	va_end(ap);
	leave(EXIT_RUNTIME);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, NULL);
	va_end(ap);
	usage_exit(EXIT_USAGE); /* nothing was started: nothing to clean up */
	exit(EXIT_USAGE);       /* a usage_exit that returned */
}

void die_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, NULL);
	va_end(ap);
	leave(code);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, NULL);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, NULL);
	va_end(ap);
}
