/* casevault - keyslips and section key check values (db_keys.h). */
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "store/db_keys.h"
#include "store/index.h"

int cv_db_keys_slip_put(cv_vault *v, const char *staff_id, int gen, const char *sections,
			const char *slip, size_t len, const char *created)
{
	return cv_index_run(v, "store a keyslip",
		"INSERT OR REPLACE INTO keyslips(staff_id, generation, sections, slip, created) VALUES(?,?,?,?,?)",
		"titTt", staff_id, gen, sections, slip, len, created);
}

int cv_db_keys_slip_latest(cv_vault *v, const char *staff_id, char **slip, size_t *len)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	*slip = NULL;
	*len = 0;
	if ((r = cv_index_one(v, &st,
		"SELECT slip FROM keyslips WHERE staff_id = ? ORDER BY generation DESC LIMIT 1", "t", staff_id)) <= 0)
		return r < 0 ? r : CV_ENOTFOUND;
	n = (size_t)sqlite3_column_bytes(st, 0);
	r = (*slip = malloc(n + 1)) ? 0 : cv_error(v, CV_ERROR, "out of memory");
	if (r == 0) {
		if (n)
			memcpy(*slip, sqlite3_column_blob(st, 0), n);
		(*slip)[n] = '\0';
		*len = n;
	}
	sqlite3_finalize(st);
	return r;
}

int cv_db_keys_slip_held(cv_vault *v, const char *staff_id)
{
	sqlite3_stmt *st = NULL;
	int held = cv_index_one(v, &st, "SELECT 1 FROM keyslips WHERE staff_id = ? LIMIT 1", "t", staff_id);

	sqlite3_finalize(st);
	return held;
}

int cv_db_keys_slips_clear(cv_vault *v)
{
	return cv_index_exec(v, "DELETE FROM keyslips");
}

int cv_db_keys_section_insert(cv_vault *v, const char *section, const char *mac)
{
	return cv_index_run(v, "store a section key check",
			    "INSERT INTO section_keys(section, generation, check_mac) VALUES(?, 1, ?)", "tt", section, mac);
}

int cv_db_keys_section_update(cv_vault *v, const char *section, int gen, const char *mac)
{
	return cv_index_run(v, "store a new section key check",
			    "UPDATE section_keys SET check_mac = ?1, generation = ?2 WHERE section = ?3", "tit", mac, gen, section);
}

int cv_db_keys_section_match(cv_vault *v, const char *section, const char *mac, int *gen)
{
	sqlite3_stmt *st = NULL;
	int found = cv_index_one(v, &st, "SELECT generation FROM section_keys WHERE section = ? AND check_mac = ?",
				 "tt", section, mac);

	if (found > 0)
		*gen = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return found;
}
