/* The L3 canary: its footprint rule, and live samples with their summary. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canary.h"
#include "datafile.h"
#include "file_util.h"

/* canary_json's text, inside an object of its own. */
static void canary_text(const struct canary *c, char *text, size_t len)
{
	char path[64];
	struct json j;

	snprintf(path, sizeof(path), "/tmp/pw-canary-%d.json", (int)getpid());
	cr_assert_eq(json_begin(&j, path), 0);
	json_obj(&j, NULL);
	canary_json(&j, c);
	json_obj_end(&j);
	cr_assert_eq(json_commit(&j), 0);
	cr_assert_geq(slurp(path, text, len), 0);
	remove(path);
}

Test(canary, footprint_is_an_eighth_of_the_l3_within_bounds)
{
	cr_expect_eq(canary_bytes(260ull << 20), 32ull << 20, "260 MiB L3: 32.5 MiB, in whole 2 MiB pages");
	cr_expect_eq(canary_bytes(32ull << 20), 4ull << 20, "a 32 MiB L3");
	cr_expect_eq(canary_bytes(4ull << 20), CANARY_MIN_BYTES, "a small L3: no smaller than 2 MiB");
	cr_expect_eq(canary_bytes(2ull << 30), CANARY_MAX_BYTES, "a huge L3: no larger than 64 MiB");
	cr_expect_eq(canary_bytes(0), CANARY_DEFAULT_BYTES, "L3 unknown");
}

Test(canary, samples_are_kept_and_summed_up)
{
	static struct canary c;
	char why[300], text[2048];

	cr_assert_eq(canary_init(&c, 16ull << 20, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(c.bytes, 2ull << 20);
	for (int i = 0; i < 5; i++) {
		double ns = canary_sample(&c);

		cr_expect(ns > 0.1 && ns < 10000, "sample %d: %f ns per load", i, ns);
	}
	cr_expect_eq(c.n, 5);
	canary_free(&c);
	cr_expect(isnan(canary_sample(&c)), "no samples once freed");
	cr_expect_eq(c.n, 5, "the samples stay for the summary");
	canary_text(&c, text, sizeof(text));
	cr_expect(strstr(text, "\"samples\": 5"), "%s", text);
	cr_expect(strstr(text, "\"footprint_bytes\": 2097152"), "%s", text);
	cr_expect(strstr(text, "\"state\": \"steady\"") || strstr(text, "\"state\": \"busy\""), "%s", text);
}

Test(canary, no_samples_no_summary)
{
	static struct canary c;
	char text[2048];

	canary_text(&c, text, sizeof(text));
	cr_expect(strstr(text, "\"canary\": null"), "%s", text);
}
