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

/*
 * docs/legal-rules.md §6a: 1 when request req_id (relationship rel, a
 * cv_relationship) is the client's own or made for the client: by a
 * representative whose written authority from the client is recorded.
 * Every other requester (the other parent, the child, a representative
 * without recorded authority) is one to whom the client is a third party.
 */
int cv_req_client_side(cv_vault *v, const char *req_id, int rel);
/*
 * docs/legal-rules.md §8: 1 when Sch 3 para 21 can cover the request: made
 * by a person with parental responsibility (the client side, or the other
 * parent) about a child under 18 on the day received (the case's date of
 * birth; unknown: 0).  Needs the case key.  < 0 on error.
 */
int cv_req_para21(cv_vault *v, const char *req_id, const char *case_id, int rel, const char *received);
/* The reason a record needs a decision for this requester (docs/legal-rules.md §6a), or NULL for the client side. */
const char *cv_req_third_party_why(int rel);

#endif
