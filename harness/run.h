/* A run's life: its output directory, meta.json rewritten at every change
 * of status, signals that stop it cleanly, and progress on stderr. */
#ifndef PW_RUN_H
#define PW_RUN_H

#include <signal.h>
#include <stdint.h>

#include "machine.h"
#include "datafile.h"

#define PAGEWALK_VERSION "0.1.0"

struct run {
	const char *tool;          /* "chase" */
	const char *meta_name;     /* file in out: "meta.json" when NULL */
	const char *data_name;     /* the tool's main output, e.g. "chase.csv" */
	char out[4096];            /* the run directory */
	char start[32], end[32];
	const char *status;        /* running, complete, interrupted, failed */
	int argc;
	char **argv;
	uint64_t seed;
	struct machine machine;
	/* Writes the tool's own members into meta.json. */
	void (*meta_extra)(struct json *j, void *ctx);
	void *ctx;
	/* Releases what the run holds and restores settings; called once,
	 * before the last meta.json, on every exit path after run_begin. */
	void (*cleanup)(void *ctx);
	int no_lock;               /* do not take the one-run-at-a-time lock */
	int same_run;              /* out exists: another tool's run, joined */
	int cpu;                   /* the CPU pinned to; -1 before */
	/* Progress */
	int progress;
	uint64_t t0_ns;
};

/* Raised by SIGINT, SIGTERM and SIGHUP; checked between repetitions. */
extern volatile sig_atomic_t run_stop;
extern volatile sig_atomic_t run_stop_signal;

/* The default run directory: results/<host>-<YYYYmmdd-HHMMSS>. */
void run_default_out(char *buf, unsigned len);
/* Create the run directory exclusively (exit 2 when it exists or cannot
 * be made), or with same_run join an existing one (never through a link),
 * read the machine, write meta.json with status running, catch signals and
 * failures. */
void run_begin(struct run *r);

/* What every bench does first: wait for any other pagewalk run to finish
 * (unless r->no_lock), take the run directory (out, or the default), argv
 * and seed, decide on progress, run_begin(), and pin to *cpu (UINT64_MAX:
 * the first allowed CPU, written back). */
void run_start(struct run *r, const char *out, int argc, char **argv, uint64_t seed,
	       int progress, int no_progress, uint64_t *cpu);
/* Rewrite meta.json atomically with the current state. */
void run_meta_write(struct run *r);
/* End the run: status complete, or interrupted when run_stop is set;
 * returns the exit code to use (0 or 130). */
int run_finish(struct run *r);

/* Progress "[i/n] label, elapsed, estimate left" on stderr, when enabled. */
void run_progress(struct run *r, uint64_t done, uint64_t total, const char *label);

#endif
