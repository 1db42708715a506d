/* The one object behind the inline timed loop (chaseloop.h). */
#include "chaseloop.h"

void *volatile chase_sink;
