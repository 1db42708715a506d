/* hugetlb backings: both page sizes through MAP_HUGETLB and through a
 * hugetlbfs file, with pools reserved by the test and given back; the skip
 * paths; the 1 GiB detection on both answers; pools restored after a
 * signal. Tests that change pools hold a lock, so they never overlap. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "knobs.h"

#define LOCK_PATH "/tmp/pagewalk-hugetlb-tests.lock"

static int lock_fd = -1;

static void take_lock(void)
{
	lock_fd = open(LOCK_PATH, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	cr_assert(lock_fd >= 0, "open %s: %s", LOCK_PATH, strerror(errno));
	cr_assert(flock(lock_fd, LOCK_EX) == 0);
}

static void drop_lock(void)
{
	knob_restore_all();
	if (lock_fd >= 0)
		close(lock_fd);
}

static uint64_t pool_total(uint64_t page_kb)
{
	char path[256];
	uint64_t v = 0;

	snprintf(path, sizeof(path), KNOB_HUGEPAGES_DIR "/hugepages-%llukB/nr_hugepages",
		 (unsigned long long)page_kb);
	knob_read_u64(path, &v);
	return v;
}

/* Skip unless this test can change pools and has pages of this size. */
static void need_pool(uint64_t page_kb)
{
	char why[200];

	if (geteuid() != 0)
		cr_skip_test("changing hugetlb pools needs root");
	if (page_kb == 1048576 && !buf_1g_supported_here(why, sizeof(why)))
		cr_skip_test("%s", why);
}

struct way {
	uint64_t page_kb;
	int use_fs; /* a file on a hugetlbfs mount instead of MAP_HUGETLB */
};

ParameterizedTestParameters(hugetlb, both_sizes_both_ways)
{
	static struct way ways[] = {
		{ 2048, 0 }, { 2048, 1 }, { 1048576, 0 }, { 1048576, 1 },
	};
	return cr_make_param_array(struct way, ways, sizeof(ways) / sizeof(ways[0]));
}

ParameterizedTest(struct way *w, hugetlb, both_sizes_both_ways, .init = take_lock,
		  .fini = drop_lock)
{
	const struct buf_backing *k = buf_backing_find(w->page_kb == 2048 ? "hugetlb2m" : "hugetlb1g");
	uint64_t page = w->page_kb * 1024, before;
	char dir[] = "/tmp/pagewalk-hfs-XXXXXX", why[400], opts[64];
	struct buf b;
	int rc;

	need_pool(w->page_kb);
	before = pool_total(w->page_kb);
	memset(&buf_hugetlb, 0, sizeof(buf_hugetlb));
	buf_hugetlb.reserve = 1;
	if (w->use_fs) {
		cr_assert_not_null(mkdtemp(dir));
		snprintf(opts, sizeof(opts), "pagesize=%lluK", (unsigned long long)w->page_kb);
		cr_assert(mount("none", dir, "hugetlbfs", 0, opts) == 0, "mount: %s", strerror(errno));
		cr_assert_eq(buf_hugetlbfs_page_kb(dir, why, sizeof(why)), (long)w->page_kb, "%s", why);
		if (w->page_kb == 2048)
			buf_hugetlb.dir_2m = dir;
		else
			buf_hugetlb.dir_1g = dir;
	}

	rc = buf_alloc(&b, k, 2 * page, why, sizeof(why));
	if (rc && w->page_kb == 1048576 && strstr(why, "free"))
		cr_skip_test("the kernel granted no 1 GiB pages right now: %s", why);
	cr_assert_eq(rc, 0, "%s", why);
	cr_assert_eq(buf_populate(&b, NULL, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(buf_verify(&b, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(b.page_kb, w->page_kb, "page_kb %u from smaps", b.page_kb);
	cr_expect_eq(b.huge_fraction, 1.0, "huge_fraction %g", b.huge_fraction);
	cr_expect_eq((uintptr_t)b.base % page, 0, "aligned to the page size");
	cr_expect_str_eq(b.via, w->use_fs ? "hugetlbfs file" : "MAP_HUGETLB");
	if (w->use_fs) {
		DIR *d = opendir(dir);
		struct dirent *e;
		int files = 0;

		while ((e = readdir(d)))
			files += e->d_name[0] != '.';
		closedir(d);
		cr_expect_eq(files, 0, "the hugetlbfs file is unlinked while mapped");
	}
	buf_free(&b);
	knob_restore_all();
	cr_expect_eq(pool_total(w->page_kb), before, "pool restored to %llu",
		     (unsigned long long)before);
	if (w->use_fs) {
		cr_assert(umount(dir) == 0, "umount: %s", strerror(errno));
		rmdir(dir);
	}
}

Test(hugetlb, skip_without_reserve_names_the_command, .init = take_lock, .fini = drop_lock)
{
	const struct buf_backing *k = buf_backing_find("hugetlb2m");
	char why[400];
	struct buf b;

	if (knob_pool_available(2048) != 0)
		cr_skip_test("2 MiB pages are already free in the pool: the skip path cannot show");
	memset(&buf_hugetlb, 0, sizeof(buf_hugetlb));
	cr_assert_eq(buf_alloc(&b, k, 8ull << 20, why, sizeof(why)), -1);
	cr_expect(strstr(why, "needed") != NULL, "reason: %s", why);
	cr_expect(strstr(why, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") != NULL,
		  "reason names the pool file: %s", why);
	cr_expect(strstr(why, "--reserve") != NULL, "reason names --reserve: %s", why);
	buf_free(&b);
}

/* The 2 MiB pool with exactly 3 free pages and buf_hugetlb cleared; the
 * pool's total before, for the check that it is restored. */
static uint64_t three_free(void)
{
	char why[400];
	uint64_t before;

	need_pool(2048);
	before = pool_total(2048);
	cr_assert(knob_pool_reserve(2048, 3, why, sizeof(why)) >= 3, "%s", why);
	if (knob_pool_available(2048) != 3)
		cr_skip_test("other users hold 2 MiB pages: cannot set up exactly 3 free");
	memset(&buf_hugetlb, 0, sizeof(buf_hugetlb));
	return before;
}

Test(hugetlb, shrink_sizes_to_the_pool, .init = take_lock, .fini = drop_lock)
{
	const struct buf_backing *k = buf_backing_find("hugetlb2m");
	char why[400], path[] = KNOB_HUGEPAGES_DIR "/hugepages-2048kB/nr_hugepages";
	uint64_t before = three_free();
	struct buf b;

	/* Ask for 8 with shrinking allowed. */
	buf_hugetlb.shrink = 1;
	cr_assert_eq(buf_alloc(&b, k, 8ull << 20, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(b.bytes, 3ull << 21);
	cr_expect_eq(b.asked_bytes, 8ull << 20);
	buf_free(&b);
	knob_restore_all();
	cr_expect_eq(pool_total(2048), before, "%s restored", path);
}

/* Without --fit-pool, a pool that holds some but too few pages refuses the
 * buffer and says how to get the rest, or to run on what there is. */
Test(hugetlb, short_pool_refused_without_fit_pool, .init = take_lock, .fini = drop_lock)
{
	const struct buf_backing *k = buf_backing_find("hugetlb2m");
	char why[400];
	uint64_t before = three_free();
	struct buf b;

	cr_assert_eq(buf_alloc(&b, k, 8ull << 20, why, sizeof(why)), -1);
	cr_expect(strstr(why, "3 free 2048 kB hugetlb pages, 4 needed") != NULL, "reason: %s", why);
	cr_expect(strstr(why, "--fit-pool") != NULL, "reason names --fit-pool: %s", why);
	buf_free(&b);
	knob_restore_all();
	cr_expect_eq(pool_total(2048), before, "pool restored");
}

Test(hugetlb, detect_1g_on_every_answer)
{
	char why[200];

	cr_expect_eq(buf_1g_supported(1, 1, why, sizeof(why)), 1);
	cr_expect_eq(buf_1g_supported(0, 1, why, sizeof(why)), 0);
	cr_expect(strstr(why, "pdpe1gb") != NULL, "%s", why);
	cr_expect_eq(buf_1g_supported(1, 0, why, sizeof(why)), 0);
	cr_expect(strstr(why, "hugepages-1048576kB") != NULL, "%s", why);
	cr_expect_eq(buf_1g_supported(0, 0, why, sizeof(why)), 0);
	cr_expect(strstr(why, "pdpe1gb") && strstr(why, "pool"), "%s", why);
}

Test(hugetlb, detect_1g_here_matches_the_machine)
{
	char why[200];
	int flag = system("grep -qw pdpe1gb /proc/cpuinfo") == 0;
	int pool = access(KNOB_HUGEPAGES_DIR "/hugepages-1048576kB", F_OK) == 0;

	cr_expect_eq(buf_1g_supported_here(why, sizeof(why)), flag && pool, "%s", why);
}

Test(hugetlb, not_a_hugetlbfs_mount)
{
	char why[200];

	cr_expect_eq(buf_hugetlbfs_page_kb("/tmp", why, sizeof(why)), -1);
	cr_expect(strstr(why, "not a hugetlbfs") != NULL, "%s", why);
	cr_expect_eq(buf_hugetlbfs_page_kb("/nonexistent-dir", why, sizeof(why)), -1);
}

/* A child raises the pool through knobs, then is stopped by a signal and
 * restores on its way out, as run.c's handler path does (flag, then
 * knob_restore_all). The parent checks the pool from outside. The benches'
 * own signal paths are proven end to end by tests/restore_signals.sh. */
static volatile sig_atomic_t got_signal;

static void on_term(int sig)
{
	got_signal = sig;
}

Test(hugetlb, pool_restored_after_signal, .init = take_lock, .fini = drop_lock)
{
	uint64_t before;
	int status, pipefd[2];
	pid_t pid;

	need_pool(2048);
	before = pool_total(2048);
	cr_assert(pipe(pipefd) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		char why[200], c = 'r';
		sigset_t term, old;

		/* SIGTERM stays blocked until sigsuspend waits for it: with
		 * pause(), a signal landing between the check and the call was
		 * lost and the child slept for ever (seen under ASan). */
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, &old);
		signal(SIGTERM, on_term);
		if (knob_pool_reserve(2048, before + 16, why, sizeof(why)) < 0)
			_exit(3);
		if (write(pipefd[1], &c, 1) != 1)
			_exit(4);
		while (!got_signal)
			sigsuspend(&old);
		knob_restore_all();
		_exit(130);
	}
	{
		char c;

		cr_assert_eq(read(pipefd[0], &c, 1), 1, "child could not reserve");
		cr_expect_gt(pool_total(2048), before, "the pool was raised");
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130);
	cr_expect_eq(pool_total(2048), before, "pool restored after SIGTERM");
}
