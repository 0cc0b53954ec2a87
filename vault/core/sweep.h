/*
 * casevault - removing what interrupted commands left (sweep.c).
 */
#ifndef CV_CORE_SWEEP_H
#define CV_CORE_SWEEP_H

#include "base/handle.h"

/* With the writer lock just taken: remove what killed commands left; see sweep.c. */
void cv_sweep_leftovers(cv_vault *v);

#endif
