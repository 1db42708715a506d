/* Fuzz the option value parsers: sizes, counts, comma lists, size labels. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], items[8][32], label[32];
	const char *why;
	uint64_t v;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (opt_parse_size(s, &v, &why) == 0)
		opt_fmt_size(v, label, sizeof(label));
	opt_parse_u64(s, &v, &why);
	opt_split_list(s, items[0], sizeof(items[0]), 8);
	return 0;
}
