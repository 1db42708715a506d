/* Fuzz the series, backing and size list parsers, which refuse through
 * die_usage: it jumps back here instead of exiting. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bufset.h"
#include "chain.h"
#include "die.h"
#include "opts.h"
#include "series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf back;

static void refused(int code)
{
	longjmp(back, code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct chain_spec sr[64];
	const struct buf_backing *bk[8];
	uint64_t sizes[16];
	char s[512];

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	die_set_usage_exit(refused); /* run with -close_fd_mask=2: refusals print */
	if (setjmp(back) == 0)
		series_parse(s, NULL, NULL, 0, 1, sr, 64);
	if (setjmp(back) == 0)
		series_parse(NULL, s, "64,4K", 1, 1, sr, 64);
	if (setjmp(back) == 0)
		bufset_parse("backing", s, bk, 8);
	if (setjmp(back) == 0)
		opt_parse_sizes("footprints", s, 64, 2048, sizes, 16);
	die_set_usage_exit(NULL);
	return 0;
}
