/*
 * casevault - child-protection hints (docs/legal-rules.md §8-§9): when a
 * case has child-protection records, released text or a title that
 * mentions child-protection or safeguarding terms ([cp-hints] in
 * policies/redaction.ini) or a distinctive word of a child-protection
 * record's title or note would tell the requester that such material
 * exists.  Such a record needs a decision by a cp-lead or manager.
 *
 * Used at scope time (cv_scope_load_hinted: titles, for request show and
 * the bundle) and by the bundle (bundle.c
 * builds them, bundle_write.c teaches them the words of withheld
 * child-protection notes, bundle_check.c feeds every released text
 * member through them).
 */
#ifndef CV_OPS_BUNDLE_HINTS_H
#define CV_OPS_BUNDLE_HINTS_H

#include <stddef.h>
#include "base/handle.h"
#include "ops/disclose.h"
#include "rules/redpolicy.h"

typedef struct cv_hints cv_hints;

/*
 * The hints of a scope: the policy's [cp-hints] terms and the distinctive
 * words of the child-protection titles the actor can read.  *out is NULL
 * (and 0 returned) when the scope has no child-protection record.  The
 * scope s must outlive the hints.
 */
int cv_hints_new(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem *s, size_t n,
		 cv_hints **out);
void cv_hints_free(cv_hints *h);
/* 1 and the term (cut to len) when text mentions a hint, else 0. */
int cv_hints_find(cv_hints *h, const char *text, char *term, size_t len);
/* 1 when a cp-lead or manager recorded a decision to release s: hints do not stop it. */
int cv_hints_cleared(const cv_sitem *s);

/*
 * cv_scope_load, then every main-section title that hints at the
 * child-protection file and has no decision yet needs one ("mentions
 * child-protection terms").  For request show and the bundle.
 */
int cv_scope_load_hinted(cv_vault *v, const cv_rpolicy *pol, const cv_req_row *req, cv_sitem **out, size_t *n);

/* Learn the distinctive words of a withheld child-protection text (streamed; s: the record). */
void cv_bundle_hints_learn(cv_hints *h, const cv_sitem *s, const void *buf, size_t len);
/* Search one member's text (s: the released record; NULL for the letter and index). */
void cv_bundle_hints_feed(cv_hints *h, const cv_sitem *s, const void *buf, size_t len);
/*
 * At the end of each member: 1 with msg filled when it mentions a hint and
 * its record has no cp-lead's or manager's decision (for the index: when a
 * released record's title does), else 0.  Resets for the next member.
 */
int cv_bundle_hints_end(cv_hints *h, const cv_sitem *s, cv_sitem *const *rel, size_t nrel,
			char *msg, size_t len);

#endif
