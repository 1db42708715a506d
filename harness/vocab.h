/* The words run data is written in, written into meta.json once, so the
 * programs that read a run take them from there instead of restating them. */
#ifndef PW_VOCAB_H
#define PW_VOCAB_H

#include "datafile.h"

/* Bump when a column or key changes meaning or goes away; the readers in
 * analysis/ refuse other versions (analysis/rundir.py FORMAT_VERSION). */
#define PAGEWALK_FORMAT_VERSION 1

/* "vocab": backings in their defined order with page size and what each
 * is, patterns, and the verdict tokens of compare.csv. */
void vocab_json(struct json *j);

#endif
