/* Fuzz the readers of kernel text: smaps, meminfo, sysfs choice lists, the
 * per-node meminfo PageTables line, VmPTE, mTHP counters and cgroup limits.
 * The input is the file's text, as any kernel (or a hostile mount) could
 * present it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "bufplace.h"
#include "knobs.h"
#include "memlimit.h"
#include "mthp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8192];
	char word[64], *nl;
	struct buf_smaps sm;
	uint64_t v;
	FILE *f;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((f = fmemopen(text, size ? size : 1, "r"))) {
		buf_smaps_scan(f, (const void *)0x400000, 1ull << 30, &sm);
		rewind(f);
		buf_smaps_scan(f, (const void *)0, UINT64_MAX / 2, &sm);
		rewind(f);
		buf_meminfo_scan(f);
		fclose(f);
	}
	knob_parse_choice(text, word, sizeof(word));
	for (int node = 0; node < 3; node++)
		bufplace_parse_pagetables(text, node);
	bufplace_parse_vmpte(text);
	mthp_parse_count(text, &v);
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	memlimit_headroom(text, nl ? nl + 1 : NULL);
	return 0;
}
