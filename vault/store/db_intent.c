/* casevault - the intent logs and certificate rows for recovery (db_intent.h). */
#include "base/handle.h"
#include "store/db_intent.h"
#include "store/index.h"

/* 1 when the query (with an optional text parameter) returns a row; 0 when not or unreadable. */
static int any_row(cv_vault *v, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	int yes = cv_index_one(v, &st, sql, param ? "t" : NULL, param);

	sqlite3_finalize(st);
	return yes > 0;
}

int cv_db_intent_pending_any(cv_vault *v)
{
	return any_row(v, "SELECT 1 FROM pending LIMIT 1", NULL);
}

int cv_db_intent_pending_orphans(cv_vault *v, int (*fn)(void *hook, const char *file), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT file FROM pending WHERE file NOT IN (SELECT file FROM archives)")) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, cv_col(st, 0))) < 0)
			break;
	sqlite3_finalize(st);
	return r;
}

int cv_db_intent_pending_clear(cv_vault *v)
{
	return cv_index_exec(v, "DELETE FROM pending");
}

int cv_db_intent_pending_add(cv_vault *v, const char *file, const char *now, const char *what)
{
	return cv_index_run(v, what, "INSERT INTO pending(file, created) VALUES(?, ?)", "tt", file, now);
}

int cv_db_intent_shred_any(cv_vault *v)
{
	return any_row(v, "SELECT 1 FROM shred LIMIT 1", NULL);
}

int cv_db_intent_shred_has(cv_vault *v, const char *file)
{
	return any_row(v, "SELECT 1 FROM shred WHERE file = ?", file);
}

int cv_db_intent_shred_each(cv_vault *v, int (*fn)(void *hook, const char *file, int live), void *hook)
{
	sqlite3_stmt *st = NULL, *live = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, "SELECT file FROM shred")) < 0)
		return r;
	if ((r = cv_index_prepare(v, &live, "SELECT 1 FROM archives WHERE file = ?")) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *f = cv_col(st, 0);

		sqlite3_reset(live);
		sqlite3_bind_text(live, 1, f, -1, SQLITE_TRANSIENT);
		if ((r = fn(hook, f, sqlite3_step(live) == SQLITE_ROW)) < 0)
			break;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(live);
	return r;
}

int cv_db_intent_shred_clear(cv_vault *v)
{
	return cv_index_exec(v, "DELETE FROM shred");
}

/* Each certificate the query returns (number, body); fn returns <0 to stop. */
static int certs(cv_vault *v, const char *sql, int (*fn)(void *hook, long number, const char *body), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, (long)sqlite3_column_int64(st, 0), cv_col(st, 1))) < 0)
			break;
	sqlite3_finalize(st);
	return r;
}

int cv_db_intent_cert_last(cv_vault *v, int (*fn)(void *hook, long number, const char *body), void *hook)
{
	return certs(v, "SELECT number, body FROM certificates ORDER BY number DESC LIMIT 1", fn, hook);
}

int cv_db_intent_cert_each(cv_vault *v, int (*fn)(void *hook, long number, const char *body), void *hook)
{
	return certs(v, "SELECT number, body FROM certificates ORDER BY number", fn, hook);
}

/*
 * The revocation intents: "delete the secret key of FPR", one meta row each
 * ("revoke-secret:FPR" = the staff id), written in the transaction that
 * marks the person revoked and removed once the key is gone (core/intent.c).
 */
static int revoke_write(cv_vault *v, const char *sql, const char *fpr, const char *staff_id, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	sqlite3_bind_text(st, 1, fpr, -1, SQLITE_STATIC);
	if (staff_id)
		sqlite3_bind_text(st, 2, staff_id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_intent_revoke_add(cv_vault *v, const char *fpr, const char *staff_id)
{
	return revoke_write(v, "INSERT OR REPLACE INTO meta(key, value) VALUES('revoke-secret:' || ?, ?)",
			    fpr, staff_id, "record the revocation's intent");
}

int cv_db_intent_revoke_any(cv_vault *v)
{
	return any_row(v, "SELECT 1 FROM meta WHERE key LIKE 'revoke-secret:%' LIMIT 1", NULL);
}

int cv_db_intent_revoke_has(cv_vault *v, const char *staff_id)
{
	return any_row(v, "SELECT 1 FROM meta WHERE key LIKE 'revoke-secret:%' AND value = ?", staff_id);
}

/* Each row's two text columns to fn, which returns <0 to stop. */
static int each_pair(cv_vault *v, const char *sql, int (*fn)(void *hook, const char *a, const char *b), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((r = fn(hook, cv_col(st, 0), cv_col(st, 1))) < 0)
			break;
	sqlite3_finalize(st);
	return r;
}

int cv_db_intent_revoke_each(cv_vault *v, int (*fn)(void *hook, const char *fpr, const char *staff_id), void *hook)
{
	return each_pair(v, "SELECT substr(key, 15), value FROM meta WHERE key LIKE 'revoke-secret:%'", fn, hook);
}

int cv_db_intent_revoked_each(cv_vault *v, int (*fn)(void *hook, const char *staff_id, const char *fpr), void *hook)
{
	return each_pair(v, "SELECT id, fpr FROM staff WHERE revoked IS NOT NULL ORDER BY id", fn, hook);
}

int cv_db_intent_revoke_clear(cv_vault *v, const char *fpr)
{
	return revoke_write(v, "DELETE FROM meta WHERE key = 'revoke-secret:' || ?", fpr, NULL,
			    "clear the revocation's intent");
}

/*
 * Whether the index at dbpath holds a revocation intent, read before the
 * library starts: the front end then starts it able to reach gpg-agent, so
 * that opening the vault finishes the revocation (docs/recovery.md, An
 * interrupted revocation).  Its own read-only connection (it never
 * checkpoints or writes), no handle; 0 when there is none or the index
 * cannot be read, which the open then reports.
 */
int cv_db_intent_revoke_probe(const char *dbpath)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 2000);
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key LIKE 'revoke-secret:%' LIMIT 1", -1, &st, NULL) == SQLITE_OK)
			yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return yes;
}
