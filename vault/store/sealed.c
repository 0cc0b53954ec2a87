/*
 * casevault - sealed index columns: personal fields stored as BLOBs sealed
 * under a section key (crypto/seal.c), with the row they belong to named in
 * the sealing context so that a sealed value cannot be moved to another row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/handle.h"
#include "crypto/seal.h"
#include "store/index.h"
#include "store/sealed.h"

/*
 * Seal text under the context "table.column:id" and store it in that row's
 * column: for rows whose sealed fields name their own new rowid.  table and
 * column come from the caller's code, never from input.  what names the
 * action in the error message.
 */
int cv_seal_update(cv_vault *v, cv_section s, const char *table, const char *column,
		   sqlite3_int64 id, const char *text, const char *what)
{
	sqlite3_stmt *st = NULL;
	unsigned char *sealed = NULL;
	size_t slen = 0;
	char ctx[96], *sql = NULL;
	int r;

	snprintf(ctx, sizeof(ctx), "%s.%s:%lld", table, column, (long long)id);
	if ((r = cv_seal_str(v, s, ctx, text, &sealed, &slen)) < 0)
		return r;
	if (asprintf(&sql, "UPDATE %s SET %s = ? WHERE id = ?", table, column) < 0) {
		free(sealed);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	if ((r = cv_index_prepare(v, &st, sql)) == 0) {
		sqlite3_bind_blob(st, 1, sealed, (int)slen, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = cv_index_dberr(v, what);
	}
	sqlite3_finalize(st);
	free(sql);
	free(sealed);
	return r;
}
