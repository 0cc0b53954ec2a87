/*
 * casevault - small text helpers shared by the request and disclosure
 * operations (request.c, people.c, disclose.c and the bundle files), kept
 * apart so that none of those modules calls another just for these.
 */
#ifndef CV_OPS_REQTEXT_H
#define CV_OPS_REQTEXT_H

#include <stddef.h>

/* 1 when s is one line of text: not empty or blank, no control characters, at most max bytes. */
int cv_text_one_line(const char *s, size_t max);
/* Wipe personal text (names, titles, grounds) before freeing it; NULL is fine. */
void cv_wipe_free(char *s);

#endif
