/*
 * casevault - moving a misfiled record to the right case, and correcting a
 * record's class, title or date (docs/legal-rules.md LR-18; the steps are
 * record_fix.c's).
 *
 * Who may: whoever may file in the record's section (a caseworker for the
 * case file, a cp-lead or manager for the child-protection file), since
 * the one who misfiled is the one who notices; between the two linked
 * cases of a separated family only a manager, since nothing passes between
 * them otherwise (docs/legal-rules.md LR-19).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/util.h"
#include "core/actor.h"
#include "ops/case.h"
#include "ops/filing_docs.h"
#include "ops/record_fix.h"
#include "ops/retention.h"
#include "store/db_archives.h"
#include "store/db_corrections.h"
#include "store/db_people.h"
#include "casevault/case.h"
#include "casevault/policy.h"

/* ---- move ---- */

struct move {
	cv_fix f;
	const char *to;
};

/* The moved record's archive names its new case, as a filing into it would (verify checks it). */
static void edit_case(void *hook, json_t *man, int *failed)
{
	struct move *m = hook;

	cv_json_set(failed, man, "case", json_string(m->to));
}

static int apply_move(cv_fix *f, long long receipt_id)
{
	struct move *m = (struct move *)f;
	const cv_rewrite *rw = &f->rws[1];
	cv_db_archive_new a = { rw->newfile, m->to, f->sec, rw->newgen, rw->newwrapped, !strcmp(rw->compression, "zstd"),
				rw->newsize, rw->newsha, receipt_id, f->now };
	long long aid = 0;
	int r;

	if ((r = cv_db_archive_insert(f->v, &a, &aid)) < 0 || (r = cv_db_fix_move(f->v, f->id, f->sec, m->to, aid)) < 0)
		return r;
	/* its retention now runs from the new case's facts (its closing date, the child's date of birth) */
	if ((r = cv_retention_recompute_tx(f->v, m->to, 0, NULL, NULL)) < 0)
		return r;
	snprintf(f->rep->to_case, sizeof(f->rep->to_case), "%s", m->to);
	/* both cases in one event: the trail shows where it went from and to */
	return cv_fix_record(f, "record.move", m->to, 0, NULL);
}

static int check_target(cv_fix *f, const char *to)
{
	cv_case c;
	int r;

	if (!to || strncmp(to, "C-", 2) || strlen(to) >= 24)
		return cv_error(f->v, CV_EINVAL, "'%.40s' is not a case id (C-...); see 'casevault case list'", to ? to : "");
	if (!strcmp(to, f->case_id))
		return cv_error(f->v, CV_EINVAL, "record %s is already in case %s; nothing was moved", f->id, to);
	memset(&c, 0, sizeof(c));
	if ((r = cv_case_fetch(f->v, &c, to, 0)) < 0)
		return r;
	cv_case_release(&c);
	if ((r = cv_case_refuse_erased(f->v, &c)) < 0)
		return r;
	if ((r = cv_db_link_exists(f->v, f->case_id, to)) < 0)
		return r;
	if (r && (r = cv_authorize(f->v, CV_ACT_APPROVE, f->id)) < 0)
		return cv_error(f->v, r, "cases %s and %s are the linked cases of a separated family: only a manager may move a "
				"record between them; nothing was moved", f->case_id, to);
	return 0;
}

int cv_record_move(cv_vault *v, const char *record_id, const char *case_id, const cv_fix_opts *o, cv_fix_report *rep)
{
	struct move m;
	int r;

	memset(&m, 0, sizeof(m));
	memset(rep, 0, sizeof(*rep));
	m.f = (cv_fix){ .kind = CV_FIX_MOVE, .id = record_id, .o = o, .rep = rep, .apply = apply_move,
			.purpose = "record move: the record re-filed in its right case" };
	m.to = case_id;
	if ((r = cv_fix_begin(v, &m.f, CV_ACT_FILE_CASE, CV_ACT_FILE_CP)) == 0 && (r = check_target(&m.f, case_id)) == 0 &&
	    (r = cv_retention_prepare(v, case_id, -1)) == 0) {
		m.f.rws[1].edit = edit_case;
		m.f.rws[1].edit_hook = &m;
		r = cv_fix_run(&m.f);
	}
	cv_fix_end(&m.f);
	return r;
}

/* ---- set ---- */

struct set {
	cv_fix f;
	const char *class_name, *title, *date;
};

/* The record's entry in its archive's manifest, corrected: what docs/recovery.md rebuilds the index from. */
static void edit_entry(void *hook, json_t *man, int *failed)
{
	struct set *s = hook;
	json_t *recs = json_object_get(man, "records");
	size_t k;

	for (k = 0; k < json_array_size(recs); k++) {
		json_t *e = json_array_get(recs, k);

		if (strcmp(json_string_value(json_object_get(e, "id")) ? json_string_value(json_object_get(e, "id")) : "",
			   s->f.id))
			continue;
		if (s->class_name)
			cv_json_set(failed, e, "class", json_string(s->class_name));
		if (s->title)
			cv_json_set(failed, e, "title", json_string(s->title));
		if (s->date)
			cv_json_set(failed, e, "event_date", json_string(s->date));
	}
}

static int apply_set(cv_fix *f, long long receipt_id)
{
	struct set *s = (struct set *)f;
	int r;

	(void)receipt_id;
	if ((r = cv_db_fix_set(f->v, f->id, f->sec, s->class_name, s->title, s->date)) < 0 ||
	    /* a new class or event date: the case's dates worked out again */
	    (r = cv_retention_recompute_tx(f->v, f->case_id, 0, NULL, NULL)) < 0)
		return r;
	return cv_fix_record(f, "record.set", NULL, 0, f->changed);
}

/*
 * The corrected values checked as a filing checks them (ops/filing_docs.c):
 * a known class of the record's own section, a real date not in the future,
 * a title of UTF-8 text.
 */
static int check_values(struct set *s)
{
	cv_fix *f = &s->f;
	char cls[64], ev[11], known[24] = "";
	cv_file_item it;
	cv_date today;
	int r;

	if (!s->class_name && !s->title && !s->date)
		return cv_error(f->v, CV_EINVAL, "give what to correct: --class C, --title T or --date YYYY-MM-DD; nothing was changed");
	if ((r = cv_db_fix_meta(f->v, f->id, f->sec, cls, ev)) < 0)
		return r;
	memset(&it, 0, sizeof(it));
	it = (cv_file_item){ .case_id = f->case_id, .section = f->sec, .class_name = s->class_name ? s->class_name : cls,
			     .path = f->id, .title = s->title, .date = s->date };
	cv_date_today(&today);
	if ((r = cv_filing_check_meta(f->v, &it, &today, known)) < 0)
		return cv_error(f->v, r, "%s; nothing was changed", it.error);
	snprintf(f->changed, sizeof(f->changed), "%s%s%s", s->class_name ? "class " : "", s->title ? "title " : "",
		 s->date ? "date " : "");
	f->changed[strlen(f->changed) - 1] = '\0';
	return 0;
}

int cv_record_set(cv_vault *v, const char *record_id, const char *class_name, const char *title,
		  const char *date, const cv_fix_opts *o, cv_fix_report *rep)
{
	struct set s;
	int r;

	memset(&s, 0, sizeof(s));
	memset(rep, 0, sizeof(*rep));
	s.f = (cv_fix){ .kind = CV_FIX_SET, .id = record_id, .o = o, .rep = rep, .apply = apply_set,
			.purpose = "record set: the record's archive rewritten with its corrected entry" };
	s.class_name = class_name;
	s.title = title;
	s.date = date;
	if ((r = cv_fix_begin(v, &s.f, CV_ACT_FILE_CASE, CV_ACT_FILE_CP)) == 0 && (r = check_values(&s)) == 0 &&
	    (r = cv_retention_prepare(v, s.f.case_id, -1)) == 0) {
		s.f.rws[0].edit = edit_entry;
		s.f.rws[0].edit_hook = &s;
		r = cv_fix_run(&s.f);
	}
	cv_fix_end(&s.f);
	return r;
}
