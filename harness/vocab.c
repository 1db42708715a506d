/* meta.json's vocabulary, from the tables that define it. */
#include "vocab.h"

#include "buf.h"
#include "chain.h"
#include "stats.h"

void vocab_json(struct json *j)
{
	json_obj(j, "vocab");
	json_arr(j, "backings");
	for (const struct buf_backing *b = buf_backings; b->name; b++)
		json_str(j, NULL, b->name);
	json_arr_end(j);
	json_obj(j, "backing_page_kb");
	for (const struct buf_backing *b = buf_backings; b->name; b++)
		json_int(j, b->name, b->want_page_kb);
	json_obj_end(j);
	json_obj(j, "backing_folio_kb");
	for (const struct buf_backing *b = buf_backings; b->name; b++)
		json_int(j, b->name, buf_folio_kb(b));
	json_obj_end(j);
	json_obj(j, "backing_what");
	for (const struct buf_backing *b = buf_backings; b->name; b++)
		json_str(j, b->name, b->describe);
	json_obj_end(j);
	json_arr(j, "patterns");
	json_str(j, NULL, chain_pattern_name(CHAIN_RAND));
	json_str(j, NULL, chain_pattern_name(CHAIN_SEQ));
	json_arr_end(j);
	json_arr(j, "verdicts");
	for (int v = VERDICT_A_SLOWER; v <= VERDICT_UNDECIDED; v++)
		json_str(j, NULL, stats_verdict_name((enum stats_verdict)v));
	json_arr_end(j);
	json_obj_end(j);
}
