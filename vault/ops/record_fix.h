/*
 * casevault - the core every correction shares (record_fix.c): the record
 * found and checked under the writer lock, its archive rewritten as the
 * purge rewrites one (ops/rewrite.c), one signed receipt, the keys then the
 * index committed, the old archive shredded (docs/architecture.md, Crash
 * safety).  record_move.c and record_erase.c say what changes in the rows.
 */
#ifndef CV_OPS_RECORD_FIX_H
#define CV_OPS_RECORD_FIX_H

#include "base/handle.h"
#include "ops/rewrite.h"
#include "casevault/correction.h"
#include "casevault/staff.h"

typedef enum { CV_FIX_MOVE, CV_FIX_SET, CV_FIX_ERASE } cv_fix_kind;

typedef struct cv_fix cv_fix;
/* In the commit, after the receipt's row: the rows of this correction (receipt_id names the new archives). */
typedef int (*cv_fix_apply_fn)(cv_fix *f, long long receipt_id);

struct cv_fix {
	cv_vault *v;
	cv_fix_kind kind;
	const char *id;
	const cv_fix_opts *o;
	cv_fix_report *rep;
	char case_id[24];           /* the record's case */
	cv_section sec;
	long long archive_id;
	cv_rewrite rws[2];          /* [0] its archive without it (set: corrected); [1] move: it alone, in the new case */
	int use[2];                 /* which of rws is written */
	char now[32];
	char *receipt, *sig;
	cv_fix_apply_fn apply;
	const char *purpose;        /* the receipt's purpose */
	char changed[64];           /* the corrections register's summary: "class title" */
};

/*
 * Find and check the record (f->id, kind, o), authorise act_case or
 * act_cp by its section, unlock that section; then take the writer lock
 * and find and check it again under it.  The caller runs cv_fix_run, then
 * always cv_fix_end.
 */
int cv_fix_begin(cv_vault *v, cv_fix *f, cv_act act_case, cv_act act_cp);
/* Load, write, sign, commit (with f->apply), shred. */
int cv_fix_run(cv_fix *f);
void cv_fix_end(cv_fix *f);
/* In the commit: the corrections register's row and the audit event (action, extra ids). */
int cv_fix_record(cv_fix *f, const char *action, const char *to_case, long certificate, const char *extra);

#endif
