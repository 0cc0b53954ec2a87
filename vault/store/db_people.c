/* casevault - the people and case_links tables (db_people.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "casevault/common.h"
#include "store/db_people.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_person_insert(cv_vault *v, const cv_db_person_new *p, long *id_out)
{
	static const char *const cols[] = { "name", "phone", "email", "role" };
	const char *vals[4] = { p->name, p->phone, p->email, p->role };
	sqlite3_stmt *st = NULL;
	long id;
	int r, i;

	if ((r = cv_index_run(v, "record the person",
		"INSERT INTO people(case_id, kind, name, added_by, added_at) VALUES(?, ?, x'', ?, ?)",
		"tttt", p->case_id, p->kind, p->added_by, p->added_at)) < 0)
		return r;
	/* the sealed fields name the row they belong to: sealed once its id exists */
	id = (long)sqlite3_last_insert_rowid(v->db);
	if ((r = cv_index_query(v, &st, "UPDATE people SET name = ?, phone = ?, email = ?, role = ? WHERE id = ?",
				"----l", id)) < 0)
		return r;
	for (i = 0; i < 4; i++)
		if ((r = cv_sealed_bind_n(v, st, i + 1, CV_SECTION_CASE, "people", cols[i], id, vals[i])) < 0) {
			sqlite3_finalize(st);
			return r;
		}
	if ((r = cv_index_done(v, st, "record the person")) == 0)
		*id_out = id;
	return r;
}

static void person_free(cv_db_person *p)
{
	char **f[4] = { &p->name, &p->phone, &p->email, &p->role };
	int i;

	for (i = 0; i < 4; i++)
		if (*f[i]) {
			explicit_bzero(*f[i], strlen(*f[i]));
			free(*f[i]);
			*f[i] = NULL;
		}
}

/* A cv_index_list fill: the row into item (a cv_db_person). */
static int person_row(cv_vault *v, sqlite3_stmt *st, void *item, void *unused)
{
	cv_db_person *p = item;
	static const char *const cols[] = { "name", "phone", "email", "role" };
	char **f[4] = { &p->name, &p->phone, &p->email, &p->role };
	int i, r;

	(void)unused;
	memset(p, 0, sizeof(*p));
	p->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, p->case_id, sizeof(p->case_id));
	cv_col_copy(st, 2, p->kind, sizeof(p->kind));
	cv_col_copy(st, 7, p->added_by, sizeof(p->added_by));
	cv_col_copy(st, 8, p->added_at, sizeof(p->added_at));
	for (i = 0; i < 4; i++)
		if ((r = cv_sealed_get_n(v, st, 3 + i, CV_SECTION_CASE, "people", cols[i], p->id, f[i])) < 0) {
			person_free(p);
			return r;
		}
	return 0;
}

static void free_people(void *list, size_t n)
{
	cv_db_person *p = list;
	size_t i;

	for (i = 0; i < n; i++)
		person_free(&p[i]);
	free(p);
}

static const cv_index_list person_list = { sizeof(cv_db_person), person_row, free_people };

int cv_db_person_list(cv_vault *v, const char *case_id, cv_db_person **out, size_t *n)
{
	return cv_index_collect(v, "list people", &person_list, out, n, NULL,
		"SELECT id, case_id, kind, name, phone, email, role, added_by, added_at FROM people WHERE case_id = ? ORDER BY id",
		"t", case_id);
}

int cv_db_person_any(cv_vault *v, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int found = cv_index_one(v, &st,
		"SELECT 1 FROM people WHERE case_id = ?1 AND kind IN ('third-party','volunteer')"
		" UNION ALL SELECT 1 FROM case_links WHERE a = ?1 OR b = ?1 LIMIT 1", "t", case_id);

	sqlite3_finalize(st);
	return found != 0;  /* an error is fail safe: as if people were named */
}

int cv_db_link_exists(cv_vault *v, const char *a, const char *b)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM case_links WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)",
			     "tt", a, b);

	sqlite3_finalize(st);
	return r;
}

int cv_db_link_insert(cv_vault *v, const char *lo, const char *hi, const char *by, const char *at)
{
	return cv_index_run(v, "link the cases", "INSERT INTO case_links(a, b, linked_by, linked_at) VALUES(?, ?, ?, ?)",
			    "tttt", lo, hi, by, at);
}

int cv_db_link_list(cv_vault *v, const char *case_id, char (**out)[24], size_t *n)
{
	return cv_index_ids(v,
		"SELECT b FROM case_links WHERE a = ?1 UNION SELECT a FROM case_links WHERE b = ?1 ORDER BY 1", case_id, 24, out, n);
}
