/* casevault - keyslips and section key check values (db_keys.h). */
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "store/db_keys.h"
#include "store/index.h"

int cv_db_keys_slip_put(cv_vault *v, const char *staff_id, int gen, const char *sections,
			const char *slip, size_t len, const char *created)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st,
		"INSERT OR REPLACE INTO keyslips(staff_id, generation, sections, slip, created) VALUES(?,?,?,?,?)")) < 0)
		return r;
	sqlite3_bind_text(st, 1, staff_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, gen);
	sqlite3_bind_text(st, 3, sections, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, slip, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, created, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "store a keyslip");
	sqlite3_finalize(st);
	return r;
}

int cv_db_keys_slip_latest(cv_vault *v, const char *staff_id, char **slip, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int r = CV_ENOTFOUND;

	*slip = NULL;
	*len = 0;
	if ((r = cv_index_prepare(v, &st,
		"SELECT slip FROM keyslips WHERE staff_id = ? ORDER BY generation DESC LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, staff_id, -1, SQLITE_STATIC);
	r = CV_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *b = sqlite3_column_blob(st, 0);

		r = (*slip = malloc(n + 1)) ? 0 : cv_error(v, CV_ERROR, "out of memory");
		if (r == 0) {
			if (n)
				memcpy(*slip, b, n);
			(*slip)[n] = '\0';
			*len = n;
		}
	}
	sqlite3_finalize(st);
	return r;
}

int cv_db_keys_slip_held(cv_vault *v, const char *staff_id)
{
	sqlite3_stmt *st = NULL;
	int r, held;

	if ((r = cv_index_prepare(v, &st, "SELECT 1 FROM keyslips WHERE staff_id = ? LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, staff_id, -1, SQLITE_STATIC);
	held = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return held;
}

int cv_db_keys_slips_clear(cv_vault *v)
{
	return cv_index_exec(v, "DELETE FROM keyslips");
}

/* Run a statement binding (text, int or none, text) that changes one section_keys row. */
static int section_write(cv_vault *v, const char *sql, const char *a, int gen, const char *b, const char *what)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_prepare(v, &st, sql)) < 0)
		return r;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (gen) {
		sqlite3_bind_int(st, 2, gen);
		sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	}
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_db_keys_section_insert(cv_vault *v, const char *section, const char *mac)
{
	return section_write(v, "INSERT INTO section_keys(section, generation, check_mac) VALUES(?, 1, ?)",
			     section, 0, mac, "store a section key check");
}

int cv_db_keys_section_update(cv_vault *v, const char *section, int gen, const char *mac)
{
	return section_write(v, "UPDATE section_keys SET check_mac = ?1, generation = ?2 WHERE section = ?3",
			     mac, gen, section, "store a new section key check");
}

int cv_db_keys_section_match(cv_vault *v, const char *section, const char *mac, int *gen)
{
	sqlite3_stmt *st = NULL;
	int r, found;

	if ((r = cv_index_prepare(v, &st, "SELECT generation FROM section_keys WHERE section = ? AND check_mac = ?")) < 0)
		return r;
	sqlite3_bind_text(st, 1, section, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		*gen = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return found;
}
