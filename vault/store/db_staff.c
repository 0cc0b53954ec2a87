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
	if (id)
		r = cv_index_query(v, &st, "SELECT id, fpr, role, revoked FROM staff WHERE id = ?", "t", id);
	else
		r = cv_index_query(v, &st,
			"SELECT id, fpr, role, revoked FROM staff WHERE os_uid = ? AND revoked IS NULL ORDER BY seq", "l", uid);
	if (r < 0)
		return r;
	while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
		cv_db_staff_actor *a = &rows[(*n)++];

		cv_col_copy(st, 0, a->id, sizeof(a->id));
		cv_col_copy(st, 1, a->fpr, sizeof(a->fpr));
		cv_col_copy(st, 2, a->role, sizeof(a->role));
		a->revoked = sqlite3_column_type(st, 3) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Bind the sealed name as parameter idx, then step st to its end and finalize it. */
static int sealed_done(cv_vault *v, sqlite3_stmt *st, int idx, const char *id, const char *name, const char *what)
{
	int r;

	if ((r = cv_sealed_bind(v, st, idx, CV_SECTION_CASE, "staff", "name", id, name)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, what);
}

int cv_db_staff_insert(cv_vault *v, const cv_db_staff_new *s, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"INSERT INTO staff(id, seq, role, fpr, os_uid, name, created) VALUES(?,?,?,?,?,?,?)",
		"tltt--t", s->id, (long)s->seq, s->role, s->fpr, s->created)) < 0)
		return r;
	if (s->os_uid >= 0)
		sqlite3_bind_int64(st, 5, s->os_uid);
	return sealed_done(v, st, 6, s->id, s->name, what);
}

int cv_db_staff_set_name(cv_vault *v, const char *id, const char *name)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "UPDATE staff SET name = ? WHERE id = ?", "-t", id)) < 0)
		return r;
	return sealed_done(v, st, 1, id, name, "store the staff name");
}

/*
 * Who added (or revoked) a person: the actor of the audit trail's event for
 * them (docs/architecture.md, The audit trail), found by migration 23's
 * index; the first manager's is vault.init's.
 */
#define STAFF_BY(action, what) \
	" (SELECT a.actor FROM audit a WHERE a.action = '" action "' AND a.ids = s.id AND a.outcome = 'ok'" \
	" ORDER BY a.seq LIMIT 1)"

/* A cv_index_list fill: the row into item (a cv_staff); ctx points to unseal. */
static int staff_from(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_staff *s = item;
	int unseal = *(int *)ctx;

	memset(s, 0, sizeof(*s));
	cv_col_copy(st, 0, s->id, sizeof(s->id));
	cv_role_parse(&s->role, cv_col(st, 2));
	cv_col_copy(st, 3, s->fpr, sizeof(s->fpr));
	s->os_uid = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 4);
	cv_col_copy(st, 5, s->created, sizeof(s->created));
	cv_col_copy(st, 6, s->revoked, sizeof(s->revoked));
	cv_col_copy(st, 7, s->attested, sizeof(s->attested));
	cv_col_copy(st, 8, s->policy_version, sizeof(s->policy_version));
	cv_col_copy(st, sqlite3_column_type(st, 9) == SQLITE_NULL ? 10 : 9, s->added_by, sizeof(s->added_by));
	cv_col_copy(st, 11, s->revoked_by, sizeof(s->revoked_by));
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

static void free_staff(void *list, size_t n)
{
	cv_db_staff_list_free(list, n);
}

static const cv_index_list staff_list = { sizeof(cv_staff), staff_from, free_staff };

int cv_db_staff_list(cv_vault *v, int unseal, cv_staff **out, size_t *n)
{
	return cv_index_collect(v, NULL, &staff_list, out, n, &unseal,
		"SELECT s.id, s.name, s.role, s.fpr, s.os_uid, s.created, s.revoked,"
		" (SELECT date FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1),"
		" (SELECT policy_version FROM attestations a WHERE a.staff_id = s.id ORDER BY date DESC, rowid DESC LIMIT 1),"
		STAFF_BY("vault.init", "added_by") "," STAFF_BY("staff.add", "added_by") "," STAFF_BY("staff.revoke", "revoked_by")
		" FROM staff s ORDER BY s.seq", NULL);
}

int cv_db_staff_state(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r, state;

	if ((r = cv_index_one(v, &st, "SELECT revoked IS NULL FROM staff WHERE id = ?", "t", id)) <= 0)
		return r;
	state = 1 + sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return state;
}

int cv_db_staff_facts_get(cv_vault *v, const char *id, cv_db_staff_facts *f)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT fpr, revoked IS NULL, role,"
		" (SELECT count(*) FROM staff WHERE role = 'manager' AND revoked IS NULL) FROM staff WHERE id = ?",
		"t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, f->fpr, sizeof(f->fpr));
	f->active = sqlite3_column_int(st, 1);
	cv_col_copy(st, 2, f->role, sizeof(f->role));
	f->managers = sqlite3_column_int(st, 3);
	sqlite3_finalize(st);
	return 1;
}

int cv_db_staff_mark_revoked(cv_vault *v, const char *id, const char *when)
{
	return cv_index_run(v, "mark the revocation", "UPDATE staff SET revoked = ? WHERE id = ?", "tt", when, id);
}

int cv_db_staff_each_active(cv_vault *v, const char *skip,
			    int (*fn)(void *hook, const char *id, const char *role, const char *fpr), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "SELECT id, role, fpr FROM staff WHERE revoked IS NULL AND id != ?", "t", skip)) < 0)
		return r;
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
	if ((r = cv_index_one(v, &st,
		"SELECT date, policy_version FROM attestations WHERE staff_id = ? ORDER BY date DESC, rowid DESC LIMIT 1",
		"t", id)) <= 0)
		return r;
	cv_col_copy(st, 0, date, 11);
	if (version)
		cv_col_copy(st, 1, version, 32);
	sqlite3_finalize(st);
	return 0;
}

int cv_db_staff_attest_insert(cv_vault *v, const char *id, const char *date, const char *version,
			      const char *by, const char *at, const char *what)
{
	return cv_index_run(v, what,
		"INSERT INTO attestations(staff_id, date, policy_version, recorded_by, recorded_at) VALUES(?,?,?,?,?)",
		"ttttt", id, date, version, by, at);
}
