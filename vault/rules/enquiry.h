/*
 * casevault - the check of an anonymous enquiry's text (casevault/enquiry.h):
 * pure functions, no vault, so that each pattern is unit-tested.
 */
#ifndef CV_RULES_ENQUIRY_H
#define CV_RULES_ENQUIRY_H

#include <stddef.h>
#include "casevault/enquiry.h"

/*
 * The first thing in text that looks like personal details: its kind, and
 * its byte offset in *at (may be NULL).  names are the vault's names, each
 * matched whole and by each of its words of 3 or more bytes, as whole words,
 * ignoring ASCII case.  CV_ENQ_CLEAN when nothing is found.
 */
cv_enquiry_kind cv_enquiry_scan(const char *text, const char *const *names, size_t nnames, size_t *at);

#endif
