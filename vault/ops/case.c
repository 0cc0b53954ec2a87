/* casevault - cases: open, show, list, close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/audit.h"
#include "core/lock.h"
#include "crypto/seal.h"
#include "ops/case.h"
#include "ops/retention.h"
#include "store/index.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/staff.h"

static int valid_name(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	size_t i;

	if (len == 0 || len > 200)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int seal_col(cv_vault *v, sqlite3_stmt *st, int idx, const char *ctx, const char *val)
{
	unsigned char *b = NULL;
	size_t len = 0;
	int r = cv_seal_str(v, CV_SECTION_CASE, ctx, val, &b, &len);

	if (r < 0)
		return r;
	sqlite3_bind_blob(st, idx, b, (int)len, free);
	return 0;
}

int cv_case_open(cv_vault *v, const char *parent, const char *child, const char *child_dob,
		 int pr_confirmed, const char *opened, char id_out[24])
{
	cv_date dob, op, today;
	char dobs[11], ops[11], now[32], id[24], ctx[64];
	sqlite3_stmt *st = NULL;
	long seq;
	int r;

	if (!pr_confirmed)
		return cv_error(v, CV_EREFUSED, "the service works only with people who hold parental responsibility: confirm it with --pr-confirmed once you have checked");
	if (!valid_name(parent))
		return cv_error(v, CV_EINVAL, "the parent's name is missing or holds control characters");
	if (!valid_name(child))
		return cv_error(v, CV_EINVAL, "the child's name is missing or holds control characters");
	if (!child_dob || cv_date_parse(&dob, child_dob) < 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth must be a real date written YYYY-MM-DD");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (cv_date_cmp(&dob, &today) > 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth is in the future; check it");
	op = today;
	if (opened && cv_date_parse(&op, opened) < 0)
		return cv_error(v, CV_EINVAL, "the opening date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&op, &today) > 0)
		return cv_error(v, CV_EINVAL, "the opening date is in the future");
	cv_date_format(&dob, dobs);
	cv_date_format(&op, ops);
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, NULL)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_index_next_id(v, "case", &seq)) < 0)
		goto rollback;
	snprintf(id, sizeof(id), "C-%04d-%04ld", op.y, seq);
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO cases(id, parent, child, child_dob, pr_confirmed_by, pr_confirmed_at, opened, opened_by)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5)")) < 0)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	snprintf(ctx, sizeof(ctx), "cases.parent:%s", id);
	if ((r = seal_col(v, st, 2, ctx, parent)) < 0)
		goto rollback;
	snprintf(ctx, sizeof(ctx), "cases.child:%s", id);
	if ((r = seal_col(v, st, 3, ctx, child)) < 0)
		goto rollback;
	snprintf(ctx, sizeof(ctx), "cases.child_dob:%s", id);
	if ((r = seal_col(v, st, 4, ctx, dobs)) < 0)
		goto rollback;
	sqlite3_bind_text(st, 5, v->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, ops, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "open the case");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = cv_audit(v, "case.open", 0, id)) < 0)
		goto rollback;
	if ((r = cv_index_commit(v)) < 0)
		goto out;
	snprintf(id_out, 24, "%s", id);
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

static int unseal_col(cv_vault *v, sqlite3_stmt *st, int col, const char *what, const char *id, char **out)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "cases.%s:%s", what, id);
	return cv_unseal(v, CV_SECTION_CASE, ctx, sqlite3_column_blob(st, col),
			 (size_t)sqlite3_column_bytes(st, col), out, NULL);
}

#define CASE_COLS "c.id, c.parent, c.child, c.child_dob, c.opened, c.closed, c.pr_confirmed_by, c.pr_confirmed_at," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'case')," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'cp')"

static int row_to_case(cv_vault *v, sqlite3_stmt *st, cv_case *c, int unseal)
{
	int r;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(c->opened, sizeof(c->opened), "%s", (const char *)sqlite3_column_text(st, 4));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		snprintf(c->closed, sizeof(c->closed), "%s", (const char *)sqlite3_column_text(st, 5));
	snprintf(c->pr_confirmed_by, sizeof(c->pr_confirmed_by), "%s", (const char *)sqlite3_column_text(st, 6));
	snprintf(c->pr_confirmed_at, sizeof(c->pr_confirmed_at), "%s", (const char *)sqlite3_column_text(st, 7));
	c->records_case = (long)sqlite3_column_int64(st, 8);
	c->records_cp = (long)sqlite3_column_int64(st, 9);
	if (unseal) {
		char *dob = NULL;

		if ((r = unseal_col(v, st, 1, "parent", c->id, &c->parent)) < 0 ||
		    (r = unseal_col(v, st, 2, "child", c->id, &c->child)) < 0 ||
		    (r = unseal_col(v, st, 3, "child_dob", c->id, &dob)) < 0) {
			cv_case_release(c);
			return r;
		}
		snprintf(c->child_dob, sizeof(c->child_dob), "%s", dob);
		free(dob);
	}
	return 0;
}

int cv_case_get(cv_vault *v, cv_case *out, const char *id, int unseal)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, id)) < 0)
		return r;
	r = cv_case_fetch(v, out, id, unseal);
	if (unseal && r != CV_ENOTFOUND)
		cv_audit(v, "case.show", r, id);
	return r;
}

/* Without authorisation or audit: for the library's own use. */
int cv_case_fetch(cv_vault *v, cv_case *out, const char *id, int unseal)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if ((r = cv_index_prepare(v, &st, "SELECT " CASE_COLS " FROM cases c WHERE c.id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = cv_error(v, CV_ENOTFOUND, "no case %s in this vault; see 'casevault case list'", id);
	else
		r = row_to_case(v, st, out, unseal);
	sqlite3_finalize(st);
	return r;
}

void cv_case_release(cv_case *c)
{
	if (!c)
		return;
	if (c->parent) {
		explicit_bzero(c->parent, strlen(c->parent));
		free(c->parent);
	}
	if (c->child) {
		explicit_bzero(c->child, strlen(c->child));
		free(c->child);
	}
	explicit_bzero(c->child_dob, sizeof(c->child_dob));
	c->parent = c->child = NULL;
}

int cv_case_list(cv_vault *v, cv_case **out, size_t *n, int unseal)
{
	sqlite3_stmt *st = NULL;
	cv_case *list = NULL;
	size_t cnt = 0, alloc = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = cv_authorize(v, unseal ? CV_ACT_READ_CASE : CV_ACT_LIST, NULL)) < 0)
		return r;
	if (unseal && (r = cv_require_key(v, CV_SECTION_CASE)) < 0)
		return r;
	if (unseal)
		cv_audit(v, "case.list", 0, NULL);
	if ((r = cv_index_prepare(v, &st, "SELECT " CASE_COLS " FROM cases c ORDER BY c.id")) < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			cv_case *nl = reallocarray(list, na, sizeof(*nl));
			if (!nl) {
				r = cv_error(v, CV_ERROR, "out of memory");
				goto fail;
			}
			list = nl;
			alloc = na;
		}
		if ((r = row_to_case(v, st, &list[cnt], unseal)) < 0)
			goto fail;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		r = cv_index_dberr(v, "list cases");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = cnt;
	return 0;
fail:
	sqlite3_finalize(st);
	cv_case_list_free(list, cnt);
	return r;
}

void cv_case_list_free(cv_case *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cv_case_release(&list[i]);
	free(list);
}

int cv_case_close(cv_vault *v, const char *id, const char *date)
{
	cv_case c;
	cv_date d, today, op;
	char ds[11];
	sqlite3_stmt *st = NULL;
	int r;

	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	d = today;
	if (date && cv_date_parse(&d, date) < 0)
		return cv_error(v, CV_EINVAL, "the closing date must be a real date written YYYY-MM-DD");
	if (cv_date_cmp(&d, &today) > 0)
		return cv_error(v, CV_EINVAL, "the closing date is in the future");
	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;
	/* Closing starts retention periods: unlock now if working them out needs a sealed date. */
	if ((r = cv_retention_prepare(v, id, 1)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_case_fetch(v, &c, id, 0)) < 0)
		goto out;
	if (c.closed[0]) {
		r = cv_error(v, CV_EREFUSED, "case %s was already closed on %s", id, c.closed);
		goto out;
	}
	if (cv_date_parse(&op, c.opened) == 0 && cv_date_cmp(&d, &op) < 0) {
		r = cv_error(v, CV_EINVAL, "the closing date is before the case was opened (%s)", c.opened);
		goto out;
	}
	cv_date_format(&d, ds);
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_index_prepare(v, &st, "UPDATE cases SET closed = ? WHERE id = ? AND closed IS NULL")) < 0) {
		cv_index_rollback(v);
		goto out;
	}
	sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "close the case");
	sqlite3_finalize(st);
	/* The case's records get their retention dates in the same transaction. */
	if (r == 0)
		r = cv_retention_recompute_tx(v, id, 1u << CV_TRIG_CASE_CLOSED, NULL, NULL);
	if (r == 0)
		cv_audit(v, "case.close", 0, id);
	if (r == 0)
		r = cv_index_commit(v);
	else
		cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

/* Change a trigger of case id's retention dates and work them out again. */
static int retrigger(cv_vault *v, const char *id, const char *sql, const char *val, const char *what,
		     const char *audit_action, unsigned trig_mask, size_t *changed)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		goto out;
	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		goto rollback;
	if (val)
		sqlite3_bind_blob(st, 1, val, (int)strlen(val), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(v->db) != 1) {
		r = cv_index_dberr(v, what);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = cv_retention_recompute_tx(v, id, trig_mask, changed, NULL)) < 0)
		goto rollback;
	if ((r = cv_audit(v, audit_action, 0, id)) < 0)
		goto rollback;
	r = cv_index_commit(v);
	goto out;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
out:
	cv_vault_unlock_writer(v);
	return r;
}

int cv_case_reopen(cv_vault *v, const char *id, size_t *changed)
{
	cv_case c;
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;
	if ((r = cv_case_get(v, &c, id, 0)) < 0)
		return r;
	if (!c.closed[0])
		return cv_error(v, CV_EREFUSED, "case %s is open; only a closed case can be reopened", id);
	/* An open case has no closing date: every date that runs from it is unknown again. */
	return retrigger(v, id, "UPDATE cases SET closed = NULL WHERE ?1 IS NULL AND id = ?2",
			 NULL, "reopen the case", "case.reopen", 1u << CV_TRIG_CASE_CLOSED, changed);
}

int cv_case_set_dob(cv_vault *v, const char *id, const char *child_dob, size_t *changed)
{
	cv_case c;
	cv_date dob, today;
	char dobs[11], ctx[64];
	unsigned char *b = NULL;
	size_t len = 0;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_authorize(v, CV_ACT_CASE_ADMIN, id)) < 0)
		return r;

	if (!child_dob || cv_date_parse(&dob, child_dob) < 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth must be a real date written YYYY-MM-DD");
	if (cv_date_today(&today) < 0)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is not a valid YYYY-MM-DD date");
	if (cv_date_cmp(&dob, &today) > 0)
		return cv_error(v, CV_EINVAL, "the child's date of birth is in the future; check it");
	if ((r = cv_case_get(v, &c, id, 0)) < 0)
		return r;
	if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0 || (r = cv_retention_prepare(v, id, -1)) < 0)
		return r;
	cv_date_format(&dob, dobs);
	snprintf(ctx, sizeof(ctx), "cases.child_dob:%s", id);
	if ((r = cv_seal_str(v, CV_SECTION_CASE, ctx, dobs, &b, &len)) < 0)
		return r;
	if ((r = cv_vault_lock_writer(v, 1)) < 0)
		goto out;
	if ((r = cv_index_begin(v)) < 0)
		goto unlock;
	if ((r = cv_index_prepare(v, &st, "UPDATE cases SET child_dob = ? WHERE id = ?")) < 0)
		goto rollback;
	sqlite3_bind_blob(st, 1, b, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = cv_index_dberr(v, "correct the date of birth");
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = cv_retention_recompute_tx(v, id, 1u << CV_TRIG_CHILD_DOB, changed, NULL)) < 0)
		goto rollback;
	r = cv_index_commit(v);
	goto unlock;
rollback:
	sqlite3_finalize(st);
	cv_index_rollback(v);
unlock:
	cv_vault_unlock_writer(v);
out:
	free(b);
	return r;
}
