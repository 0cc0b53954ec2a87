/* casevault - the cases table (db_cases.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_cases.h"
#include "store/index.h"
#include "store/sealed.h"

#define CASE_COLS "c.id, c.parent, c.child, c.child_dob, c.opened, c.closed, c.pr_confirmed_by, c.pr_confirmed_at," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'case')," \
	" (SELECT count(*) FROM records r WHERE r.case_id = c.id AND r.section = 'cp'), c.erased, c.erase_certificate"

#define NO_CASE "no case %s in this vault; see 'casevault case list'"

int cv_db_case_exists(cv_vault *v, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "SELECT 1 FROM cases WHERE id = ?", "t", id)) < 0)
		return r;
	sqlite3_finalize(st);
	return r ? 0 : cv_error(v, CV_ENOTFOUND, NO_CASE, id);
}

static int unseal_col(cv_vault *v, sqlite3_stmt *st, int col, const char *what, const char *id, char **out)
{
	return cv_sealed_get(v, st, col, CV_SECTION_CASE, "cases", what, id, out);
}

/* A cv_index_list fill: the row into item (a cv_case); ctx points to unseal. */
static int row_to_case(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_case *c = item;
	int unseal = *(int *)ctx;
	char *dob = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	cv_col_copy(st, 0, c->id, sizeof(c->id));
	cv_col_copy(st, 4, c->opened, sizeof(c->opened));
	cv_col_copy(st, 5, c->closed, sizeof(c->closed));
	cv_col_copy(st, 6, c->pr_confirmed_by, sizeof(c->pr_confirmed_by));
	cv_col_copy(st, 7, c->pr_confirmed_at, sizeof(c->pr_confirmed_at));
	c->records_case = (long)sqlite3_column_int64(st, 8);
	c->records_cp = (long)sqlite3_column_int64(st, 9);
	cv_col_copy(st, 10, c->erased, sizeof(c->erased));
	c->erase_certificate = (long)sqlite3_column_int64(st, 11);
	if (!unseal)
		return 0;
	if ((r = unseal_col(v, st, 1, "parent", c->id, &c->parent)) < 0 ||
	    (r = unseal_col(v, st, 2, "child", c->id, &c->child)) < 0 ||
	    (r = unseal_col(v, st, 3, "child_dob", c->id, &dob)) < 0) {
		cv_case_release(c);
		return r;
	}
	snprintf(c->child_dob, sizeof(c->child_dob), "%s", dob ? dob : "");
	free(dob);
	return 0;
}

int cv_db_case_get(cv_vault *v, const char *id, int unseal, cv_case *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cv_index_one(v, &st, "SELECT " CASE_COLS " FROM cases c WHERE c.id = ?", "t", id)) <= 0)
		return r < 0 ? r : cv_error(v, CV_ENOTFOUND, NO_CASE, id);
	r = row_to_case(v, st, out, &unseal);
	sqlite3_finalize(st);
	return r;
}

static void free_cases(void *list, size_t n)
{
	cv_case_list_free(list, n);
}

static const cv_index_list case_list = { sizeof(cv_case), row_to_case, free_cases };

int cv_db_case_list(cv_vault *v, int unseal, cv_case **out, size_t *n)
{
	return cv_index_collect(v, "list cases", &case_list, out, n, &unseal,
				"SELECT " CASE_COLS " FROM cases c ORDER BY c.id", NULL);
}

int cv_db_case_insert(cv_vault *v, const cv_db_case_new *c)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st,
		"INSERT INTO cases(id, parent, child, child_dob, pr_confirmed_by, pr_confirmed_at, opened, opened_by)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5)", "t---ttt", c->id, c->confirmed_by, c->confirmed_at, c->opened)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 2, CV_SECTION_CASE, "cases", "parent", c->id, c->parent)) < 0 ||
	    (r = cv_sealed_bind(v, st, 3, CV_SECTION_CASE, "cases", "child", c->id, c->child)) < 0 ||
	    (r = cv_sealed_bind(v, st, 4, CV_SECTION_CASE, "cases", "child_dob", c->id, c->child_dob)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "open the case");
}

int cv_db_case_close(cv_vault *v, const char *id, const char *date)
{
	return cv_index_run(v, "close the case", "UPDATE cases SET closed = ? WHERE id = ? AND closed IS NULL",
			    "tt", date, id);
}

int cv_db_case_reopen(cv_vault *v, const char *id, const char *unused)
{
	int r;

	(void)unused;
	if ((r = cv_index_run(v, "reopen the case", "UPDATE cases SET closed = NULL WHERE id = ? AND erased IS NULL", "t", id)) < 0)
		return r;
	/* one row, or the case is not there */
	return sqlite3_changes(v->db) == 1 ? 0 : cv_index_dberr(v, "reopen the case");
}

int cv_db_case_set_dob(cv_vault *v, const char *id, const char *child_dob)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "UPDATE cases SET child_dob = ? WHERE id = ? AND erased IS NULL", "-t", id)) < 0)
		return r;
	if ((r = cv_sealed_bind(v, st, 1, CV_SECTION_CASE, "cases", "child_dob", id, child_dob)) < 0) {
		sqlite3_finalize(st);
		return r;
	}
	return cv_index_done(v, st, "correct the date of birth");
}

/* ---- storage limitation (docs/architecture.md, Storage limitation) ---- */

/*
 * The destroyed records the certificates name, with their cases, in a
 * table of this connection (temp_store is memory: never on disk; ids only),
 * made once per pass of the storage limitation.  Asking the certificates'
 * JSON once per case parsed every certificate again for each case: a purge
 * of 10,000 records in 200 cases read 778 times the pages of one of 1,000
 * (bench/README.md, Scale).
 */
static int gone_table(cv_vault *v)
{
	return cv_index_exec(v, "CREATE TEMP TABLE IF NOT EXISTS gone(id TEXT NOT NULL, case_id TEXT NOT NULL);"
			     "DELETE FROM temp.gone;"
			     "INSERT INTO temp.gone SELECT json_extract(e.value, '$.id'), json_extract(e.value, '$.case')"
			     " FROM certificates k, json_each(k.body, '$.records') e"
			     " WHERE json_valid(k.body) AND json_extract(e.value, '$.case') IS NOT NULL;"
			     "CREATE INDEX IF NOT EXISTS temp.gone_case ON gone(case_id);");
}

int cv_db_case_erase_candidates(cv_vault *v, char (**ids)[24], size_t *n)
{
	int r;

	if ((r = gone_table(v)) < 0)
		return r;
	return cv_index_ids(v, "SELECT c.id FROM cases c WHERE c.closed IS NOT NULL AND c.erased IS NULL AND ?1 IS NULL"
			    " AND NOT EXISTS(SELECT 1 FROM records r WHERE r.case_id = c.id)"
			    " AND NOT EXISTS(SELECT 1 FROM deposits d WHERE d.case_id = c.id)"
			    /* a record of it was destroyed (its certificate names the case): "its last record destroyed" */
			    " AND EXISTS(SELECT 1 FROM temp.gone g WHERE g.case_id = c.id) ORDER BY c.id",
			    NULL, sizeof(**ids), ids, n);
}

int cv_db_case_erase_blocker(cv_vault *v, const char *id, char *why, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st,
		"SELECT 'a ' || kind || ' hold stands on it' FROM holds WHERE case_id = ?1 AND released_at IS NULL"
		" UNION ALL SELECT 'request ' || id || ' is open on it' FROM requests WHERE case_id = ?1 AND closed_at IS NULL"
		" UNION ALL SELECT 'request ' || r.id || ' is open on its linked case ' || r.case_id FROM requests r"
		"  JOIN case_links l ON (l.a = ?1 AND r.case_id = l.b) OR (l.b = ?1 AND r.case_id = l.a)"
		"  WHERE r.closed_at IS NULL"
		" UNION ALL SELECT 'it still has records or deposits' WHERE EXISTS(SELECT 1 FROM records WHERE case_id = ?1)"
		"  OR EXISTS(SELECT 1 FROM deposits WHERE case_id = ?1)"
		" UNION ALL SELECT 'it is not closed' FROM cases WHERE id = ?1 AND closed IS NULL"
		" LIMIT 1", "t", id);

	if (r > 0)
		cv_col_copy(st, 0, why, len);
	sqlite3_finalize(st);
	return r;
}

/* The ids of the case's records that certificates list as destroyed: their reasons go with the case. */
/* made by cv_db_case_erase_candidates, which comes first (db_cases.h) */
#define GONE "(SELECT id FROM temp.gone WHERE case_id = ?1)"

/* What goes besides the names (docs/legal-rules.md §12, storage limitation): ?1 the case, ?2 the marker. */
static const char *const erase_sql[] = {
	"DELETE FROM people WHERE case_id = ?1",
	"UPDATE requests SET requester = ?2, ext_reason = NULL, pause_reason = NULL WHERE case_id = ?1",
	"UPDATE decisions SET reason = NULL WHERE request_id IN (SELECT id FROM requests WHERE case_id = ?1)",
	"UPDATE holds SET reason = NULL WHERE (case_id = ?1 OR record_id IN " GONE ")",
	"UPDATE reviews SET reason = NULL WHERE record_id IN " GONE "",
	"UPDATE corrections SET reason = NULL WHERE (from_case = ?1 OR to_case = ?1)",
	"UPDATE referrals SET reason = NULL WHERE case_id = ?1",
	"UPDATE exports SET purpose = NULL WHERE record_id IN " GONE "",
	"UPDATE consents SET scope = ?2 WHERE case_id = ?1",
	"DELETE FROM case_contact WHERE case_id = ?1",
};

static int erase_one(cv_vault *v, const char *sql, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, sql, "t", id)) < 0)
		return r;
	/* the marker, where the statement writes it */
	if (sqlite3_bind_parameter_count(st) >= 2 && cv_sealed_erased_bind(st, 2) < 0) {
		sqlite3_finalize(st);
		return cv_index_dberr(v, "erase the case's personal data");
	}
	return cv_index_done(v, st, "erase the case's personal data");
}

int cv_db_case_erase(cv_vault *v, const char *id, const char *day, long certificate)
{
	size_t i;
	int r;

	if ((r = erase_one(v, "UPDATE cases SET parent = ?2, child = ?2, child_dob = ?2 WHERE id = ?1", id)) < 0)
		return r;
	if ((r = cv_index_run(v, "erase the case's personal data",
			      "UPDATE cases SET erased = ?, erase_certificate = ? WHERE id = ? AND erased IS NULL",
			      "tlt", day, certificate, id)) < 0)
		return r;
	if (sqlite3_changes(v->db) != 1)
		return cv_error(v, CV_ERROR, "case %s was erased by another command meanwhile; nothing was changed", id);
	for (i = 0; i < sizeof(erase_sql) / sizeof(erase_sql[0]); i++)
		if ((r = erase_one(v, erase_sql[i], id)) < 0)
			return r;
	return 0;
}

int cv_db_case_erased_check(cv_vault *v, void (*fn)(void *hook, const char *id, const char *why), void *hook)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = cv_index_query(v, &st,
		"SELECT id, 'holds the erasure marker but was never erased' FROM cases"
		"  WHERE erased IS NULL AND (parent IS ?1 OR child IS ?1 OR child_dob IS ?1)"
		" UNION ALL SELECT id, 'is marked erased but still has records' FROM cases c"
		"  WHERE erased IS NOT NULL AND EXISTS(SELECT 1 FROM records r WHERE r.case_id = c.id)"
		" UNION ALL SELECT id, 'is marked erased but its names are not erased' FROM cases"
		"  WHERE erased IS NOT NULL AND (parent IS NOT ?1 OR child IS NOT ?1 OR child_dob IS NOT ?1)"
		" UNION ALL SELECT q.id, 'holds the erasure marker but its case ' || q.case_id || ' was never erased'"
		"  FROM requests q JOIN cases c ON c.id = q.case_id WHERE q.requester IS ?1 AND c.erased IS NULL"
		" UNION ALL SELECT 'consent ' || k.id, 'holds the erasure marker but its case ' || k.case_id ||"
		"  ' was never erased' FROM consents k JOIN cases c ON c.id = k.case_id WHERE k.scope IS ?1 AND c.erased IS NULL",
		"-")) < 0)
		return r;
	if (cv_sealed_erased_bind(st, 1) < 0) {
		sqlite3_finalize(st);
		return cv_index_dberr(v, "check the erased cases");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(hook, cv_col(st, 0), cv_col(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cv_index_dberr(v, "check the erased cases");
}

/* The public release functions live with the rows they free (the store fills them). */
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

void cv_case_list_free(cv_case *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cv_case_release(&list[i]);
	free(list);
}
