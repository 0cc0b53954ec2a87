/*
 * casevault - small helpers shared by the request and disclosure
 * operations (request.c, people.c, disclose.c, decide.c and the bundle
 * files), kept apart so that none of those modules calls another just for
 * these.
 */
#ifndef CV_OPS_REQTEXT_H
#define CV_OPS_REQTEXT_H

#include <stddef.h>
#include "base/handle.h"

/* 1 when s is one line of text: not empty or blank, no control characters, at most max bytes. */
int cv_text_one_line(const char *s, size_t max);
/* The index of s in names[0..n-1], or -1 (s may be NULL): parsing a closed list of words. */
int cv_text_pick(const char *const names[], int n, const char *s);
/* Wipe personal text (names, titles, grounds) before freeing it; NULL is fine. */
void cv_wipe_free(char *s);


#endif
