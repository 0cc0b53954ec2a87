/* casevault - the enquiries table and the vault's names (db_enquiries.h). */
#include <stdlib.h>
#include <string.h>

#include "casevault/common.h"
#include "store/db_enquiries.h"
#include "store/index.h"
#include "store/sealed.h"

int cv_db_enquiry_insert(cv_vault *v, const char *date, const char *until, int confirmed, const char *text,
			 const char *now, long *id)
{
	int r;

	if ((r = cv_index_run(v, "log the enquiry",
		"INSERT INTO enquiries(enquiry_date, retain_until, confirmed, logged_by, logged_at) VALUES(?,?,?,?,?)",
		"ttitt", date, until, confirmed, v->actor, now)) < 0)
		return r;
	*id = (long)sqlite3_last_insert_rowid(v->db);
	return cv_seal_update(v, CV_SECTION_CASE, "enquiries", "text", *id, text, "log the enquiry");
}

static void wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void cv_db_enquiry_list_free(cv_enquiry *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		wipe(list[i].text);
	free(list);
}

/* columns: id, enquiry_date, retain_until, confirmed, logged_by, logged_at, text */
static int fill_enquiry(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	cv_enquiry *e = item;

	(void)ctx;
	e->id = (long)sqlite3_column_int64(st, 0);
	cv_col_copy(st, 1, e->date, sizeof(e->date));
	cv_col_copy(st, 2, e->retain_until, sizeof(e->retain_until));
	e->confirmed = sqlite3_column_int(st, 3);
	cv_col_copy(st, 4, e->by, sizeof(e->by));
	cv_col_copy(st, 5, e->at, sizeof(e->at));
	if (cv_sealed_get_n(v, st, 6, CV_SECTION_CASE, "enquiries", "text", e->id, &e->text) < 0)
		return cv_error(v, CV_ECORRUPT, "the text of enquiry %ld is damaged or altered", e->id);
	return 0;
}

static void free_enquiries(void *list, size_t n)
{
	cv_db_enquiry_list_free(list, n);
}

static const cv_index_list enquiry_list = { sizeof(cv_enquiry), fill_enquiry, free_enquiries };

int cv_db_enquiry_list(cv_vault *v, cv_enquiry **out, size_t *n)
{
	return cv_index_collect(v, "list enquiries", &enquiry_list, out, n, NULL,
		"SELECT id, enquiry_date, retain_until, confirmed, logged_by, logged_at, text FROM enquiries "
		"ORDER BY enquiry_date DESC, id DESC", NULL);
}

int cv_db_enquiry_expire(cv_vault *v, const char *day, size_t *n)
{
	int r = cv_index_run(v, "destroy expired enquiries", "DELETE FROM enquiries WHERE retain_until <= ?", "t", day);

	if (r == 0 && n)
		*n = (size_t)sqlite3_changes(v->db);
	return r;
}

void cv_db_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		wipe(names[i]);
	free(names);
}

/* columns: table, column, row id (as text), sealed value */
static int fill_name(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx)
{
	char id[48];

	(void)ctx;
	cv_col_copy(st, 2, id, sizeof(id));
	if (cv_sealed_get(v, st, 3, CV_SECTION_CASE, cv_col(st, 0), cv_col(st, 1), id, item) < 0)
		return cv_error(v, CV_ECORRUPT, "a sealed name (%s.%s of %s) is damaged or altered; run 'casevault verify'",
				cv_col(st, 0), cv_col(st, 1), id);
	return 0;
}

static void free_names(void *list, size_t n)
{
	cv_db_names_free(list, n);
}

static const cv_index_list name_list = { sizeof(char *), fill_name, free_names };

int cv_db_names(cv_vault *v, char ***names, size_t *n)
{
	return cv_index_collect(v, "read the names", &name_list, names, n, NULL,
		/* an erased case's names are gone (ops/case_erase.c): its marker is no name */
		"SELECT 'cases', 'parent', id, parent FROM cases WHERE parent IS NOT NULL AND erased IS NULL"
		" UNION ALL SELECT 'cases', 'child', id, child FROM cases WHERE child IS NOT NULL AND erased IS NULL"
		" UNION ALL SELECT 'people', 'name', CAST(id AS TEXT), name FROM people WHERE name IS NOT NULL"
		" UNION ALL SELECT 'requests', 'requester', id, requester FROM requests WHERE requester IS NOT NULL"
		"  AND case_id NOT IN (SELECT id FROM cases WHERE erased IS NOT NULL)", NULL);
}
