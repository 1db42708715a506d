/* Run lifecycle shared by the benches. */
#include "run.h"

#include "vocab.h"
#include "clock.h"
#include "die.h"
#include "disturb.h"
#include "place.h"
#include "vocab.h"

#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t run_stop;
volatile sig_atomic_t run_stop_signal;

static struct run *current;

static void on_signal(int sig)
{
	run_stop = 1;
	run_stop_signal = sig;
}

/* On die(): keep what was written, and say the run failed. */
static void cleanup(struct run *r)
{
	void (*fn)(void *) = r->cleanup;

	r->cleanup = NULL;
	if (fn)
		fn(r->ctx);
}

static void on_die(int code)
{
	if (!current)
		return;
	cleanup(current);
	clock_iso8601(current->end, sizeof(current->end));
	current->status = code == EXIT_INTERRUPTED ? "interrupted" : "failed";
	run_meta_write(current);
}

void run_default_out(char *buf, unsigned len)
{
	char host[256] = "host", stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "results/%s-%s", host, stamp);
}

static void meta_body(struct run *r, struct json *j)
{
	json_obj(j, NULL);
	json_str(j, "tool", r->tool);
	json_str(j, "version", PAGEWALK_VERSION);
	json_int(j, "format_version", PAGEWALK_FORMAT_VERSION);
	json_str(j, "status", r->status);
	json_str(j, "start", r->start);
	json_str(j, "end", r->end[0] ? r->end : NULL);
	json_arr(j, "args");
	for (int i = 0; i < r->argc; i++)
		json_str(j, NULL, r->argv[i]);
	json_arr_end(j);
	json_int(j, "seed", (int64_t)r->seed);
	machine_json(j, &r->machine);
	place_numa_json(j, r->cpu);
	vocab_json(j);
	if (r->meta_extra)
		r->meta_extra(j, r->ctx);
	json_obj_end(j);
}

/* meta.json is replaced atomically (a temporary file, then a rename). On a
 * full disk there is no room for the temporary file: then it is rewritten
 * in place, so the run still says how it ended. */
void run_meta_write(struct run *r)
{
	char path[4200];
	struct json j;
	int err;

	snprintf(path, sizeof(path), "%s/%s", r->out, r->meta_name ? r->meta_name : "meta.json");
	if (json_begin(&j, path) == 0) {
		meta_body(r, &j);
		if (json_commit(&j) == 0)
			return;
	}
	err = errno;
	if ((err == ENOSPC || err == EDQUOT) && json_begin_in_place(&j, path) == 0) {
		meta_body(r, &j);
		if (json_commit(&j) == 0) {
			warn("%s: the disk is full; rewrote it in place", path);
			return;
		}
		err = errno;
	}
	warn("cannot write %s: %s", path, strerror(err));
}

void run_begin(struct run *r)
{
	struct sigaction sa;
	struct stat st;

	/* A link planted at a predictable results path would point a root
	 * run's writes wherever its maker wants. */
	if (lstat(r->out, &st) == 0 && S_ISLNK(st.st_mode))
		die_usage("--out '%s' is a symbolic link: refused; give the directory itself",
			  r->out);
	if (r->same_run) {
		if (lstat(r->out, &st) || !S_ISDIR(st.st_mode) || access(r->out, W_OK | X_OK))
			die_usage("--same-run: --out '%s' is not an existing, writable run directory", r->out);
	} else if (mkdir(r->out, 0755)) {
		/* Made here and only here: never reused, never someone else's. */
		if (errno == EEXIST)
			die_usage("--out '%s' exists: every run gets a new directory, made by pagewalk; choose a new name",
				  r->out);
		die_usage("--out '%s': cannot create the directory: %s", r->out, strerror(errno));
	}
	/* Never mix two runs of one tool in a directory. */
	for (int i = 0; i < 2; i++) {
		const char *name = i ? r->data_name : r->meta_name ? r->meta_name : "meta.json";
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", r->out, name ? name : "");
		if (name && access(path, F_OK) == 0)
			die_usage("--out '%s' already holds a %s run (%s); choose a new directory",
				  r->out, r->tool, name);
	}
	clock_iso8601(r->start, sizeof(r->start));
	r->end[0] = '\0';
	r->status = "running";
	r->t0_ns = clock_ns();
	machine_read(&r->machine);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	current = r;
	die_set_hook(on_die);
	run_meta_write(r);
}

/* One pagewalk run at a time: two share the CPUs and silently double each
 * other's times. Root locks under /run, other users under /tmp. */
static void take_lock(struct run *r)
{
	const char *path = geteuid() == 0 ? DISTURB_LOCK_PATH : "/tmp/pagewalk.lock";

	if (r->no_lock)
		return;
	if (disturb_lock(path, 1) < 0)
		warn("cannot take the run lock %s (%s): a second run at the same time would share "
		     "the CPUs unnoticed",
		     path, strerror(errno));
}

void run_start(struct run *r, const char *out, int argc, char **argv, uint64_t seed,
	       int progress, int no_progress, uint64_t *cpu)
{
	if (out) {
		char copy[4200];
		const char *parent;
		struct stat st;

		/* Only the run directory itself is made: a mistyped parent must not
		 * grow a tree of directories somewhere. */
		snprintf(copy, sizeof(copy), "%s", out);
		parent = dirname(copy);
		if (stat(parent, &st) || !S_ISDIR(st.st_mode))
			die_usage("--out '%s': its parent directory %s does not exist", out, parent);
	}
	take_lock(r);
	if (out) {
		snprintf(r->out, sizeof(r->out), "%s", out);
	} else {
		char copy[4200];
		const char *parent;

		run_default_out(r->out, sizeof(r->out));
		snprintf(copy, sizeof(copy), "%s", r->out);
		parent = dirname(copy);
		if (datafile_mkdir_p(parent))
			die_usage("cannot create %s for the run directory: %s", parent, strerror(errno));
	}
	r->argc = argc;
	r->argv = argv;
	r->seed = seed;
	r->progress = !no_progress && (progress || isatty(STDERR_FILENO));
	r->cpu = -1;
	run_begin(r);
	if (*cpu == UINT64_MAX)
		*cpu = (uint64_t)place_first_cpu();
	if (place_pin_cpu((int)*cpu))
		die_errno("pinning to CPU %llu", (unsigned long long)*cpu);
	r->cpu = (int)*cpu;
}

int run_finish(struct run *r)
{
	cleanup(r);
	clock_iso8601(r->end, sizeof(r->end));
	r->status = run_stop ? "interrupted" : "complete";
	run_meta_write(r);
	current = NULL;
	if (r->progress)
		fputc('\n', stderr);
	if (run_stop) {
		info("interrupted by signal %d; finished rows and meta.json kept in %s",
		     (int)run_stop_signal, r->out);
		return EXIT_INTERRUPTED;
	}
	return 0;
}

void run_progress(struct run *r, uint64_t done, uint64_t total, const char *label)
{
	double el, left;

	if (!r->progress)
		return;
	el = (double)(clock_ns() - r->t0_ns) / 1e9;
	left = done ? el / (double)done * (double)(total - done) : 0;
	fprintf(stderr, "\r\033[K[%llu/%llu] %s  elapsed %dm%02ds, ~%dm%02ds left",
		(unsigned long long)done, (unsigned long long)total, label, (int)el / 60,
		(int)el % 60, (int)left / 60, (int)left % 60);
}
