/* casevault - the staff and attestations tables (db_staff.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/handle.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_staff_actors(cv_vault *v, const char *id, long uid, cv_db_staff_actor *rows, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if (id) {
		if ((r = cv_index_prepare(v, &st, "SELECT id, fpr, role, revoked FROM staff WHERE id = ?")) < 0)
			return r;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else {
		if ((r = cv_index_prepare(v, &st,
			"SELECT id, fpr, role, revoked FROM staff WHERE os_uid = ? AND revoked IS NULL ORDER BY seq")) < 0)
			return r;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
	}
	while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
		cv_db_staff_actor *a = &rows[(*n)++];

		snprintf(a->id, sizeof(a->id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(a->fpr, sizeof(a->fpr), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(a->role, sizeof(a->role), "%s", (const char *)sqlite3_column_text(st, 2));
		a->revoked = sqlite3_column_type(st, 3) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	return 0;
}

int cv_db_staff_insert(cv_vault *v, const cv_db_staff_new *s, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO staff(id, seq, role, fpr, os_uid, name, created) VALUES(?,?,?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->seq);
	sqlite3_bind_text(st, 3, s->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->fpr, -1, SQLITE_STATIC);
	if (s->os_uid >= 0)
		sqlite3_bind_int64(st, 5, s->os_uid);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 7, s->created, -1, SQLITE_STATIC);
	if ((r = cv_sealed_bind(v, st, 6, CV_SECTION_CASE, "staff", "name", s->id, s->name)) == 0 &&
	    sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_staff_set_name(cv_vault *v, const char *id, const char *name)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "UPDATE staff SET name = ? WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if ((r = cv_sealed_bind(v, st, 1, CV_SECTION_CASE, "staff", "name", id, name)) == 0 &&
	    sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "store the staff name");
	sqlite3_finalize(st);
	return r;
}

/* Text column i into out (size len) unless it is NULL. */
static void text_into(sqlite3_stmt *st, int i, char *out, size_t len)
{
	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, i));
}

static int staff_from(cv_vault *v, sqlite3_stmt *st, int unseal, cv_staff *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", (const char *)sqlite3_column_text(st, 0));
	cv_role_parse(&s->role, (const char *)sqlite3_column_text(st, 2));
	snprintf(s->fpr, sizeof(s->fpr), "%s", (const char *)sqlite3_column_text(st, 3));
	s->os_uid = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 4);
	snprintf(s->created, sizeof(s->created), "%s", (const char *)sqlite3_column_text(st, 5));
	text_into(st, 6, s->revoked, sizeof(s->revoked));
	text_into(st, 7, s->attested, sizeof(s->attested));
	text_into(st, 8, s->policy_version, sizeof(s->policy_version));
	if (!unseal)
		return 0;
	return cv_sealed_get(v, st, 1, CV_SECTION_CASE, "staff", "name", s->id, &s->name);
}

void cv_db_staff_list_free(cv_staff *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].name) {
			explicit_bzero(list[i].name, strlen(list[i].name));
			free(list[i].name);
		}
	free(list);
}

int cv_db_staff_list(cv_vault *v, int unseal, cv_staff **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	cv_staff *list = NULL;
	size_t cnt = 0, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT s.id, s.name, s.role, s.fpr, s.os_uid, s.created, s.revoked,"
		" (SELECT date FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1),"
		" (SELECT policy_version FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1)"
		" FROM staff s ORDER BY s.seq")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (CV_ARRAY_GROW(&list, &cap, cnt) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		if ((r = staff_from(v, st, unseal, &list[cnt++])) < 0)
			break;
	}
	sqlite3_finalize(st);
	if (r < 0) {
		cv_db_staff_list_free(list, cnt);
		return r;
	}
	*out = list;
	*n = cnt;
	return 0;
}

int cv_db_staff_state(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r, state;

	if ((r = cv_index_prepare(v, &st, "SELECT revoked IS NULL FROM staff WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	state = sqlite3_step(st) == SQLITE_ROW ? 1 + sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return state;
}

int cv_db_staff_facts_get(cv_vault *v, const char *id, cv_db_staff_facts *f)
{
	sqlite3_stmt *st = NULL;
	int r, found;

	if ((r = cv_index_prepare(v, &st, "SELECT fpr, revoked IS NULL, role,"
		" (SELECT count(*) FROM staff WHERE role = 'manager' AND revoked IS NULL) FROM staff WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(f->fpr, sizeof(f->fpr), "%s", (const char *)sqlite3_column_text(st, 0));
		f->active = sqlite3_column_int(st, 1);
		snprintf(f->role, sizeof(f->role), "%s", (const char *)sqlite3_column_text(st, 2));
		f->managers = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	return found;
}

int cv_db_staff_mark_revoked(cv_vault *v, const char *id, const char *when)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "UPDATE staff SET revoked = ? WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "mark the revocation");
	sqlite3_finalize(st);
	return r;
}

int cv_db_staff_each_active(cv_vault *v, const char *skip,
			    int (*fn)(void *hook, const char *id, const char *role, const char *fpr), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT id, role, fpr FROM staff WHERE revoked IS NULL AND id != ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, skip, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, cv_col(st, 0), cv_col(st, 1), cv_col(st, 2))) < 0)
			break;
	sqlite3_finalize(st);
	return r;
}

int cv_db_staff_latest_attestation(cv_vault *v, const char *id, char date[11], char version[32])
{
	sqlite3_stmt *st = NULL;
	int r;

	date[0] = '\0';
	if (version)
		version[0] = '\0';
	if ((r = cv_index_prepare(v, &st,
		"SELECT date, policy_version FROM attestations WHERE staff_id = ? ORDER BY date DESC, rowid DESC LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(date, 11, "%s", (const char *)sqlite3_column_text(st, 0));
		if (version)
			snprintf(version, 32, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int cv_db_staff_attest_insert(cv_vault *v, const char *id, const char *date, const char *version,
			      const char *by, const char *at, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT INTO attestations(staff_id, date, policy_version, recorded_by, recorded_at) VALUES(?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}
