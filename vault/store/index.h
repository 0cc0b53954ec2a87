/*
 * casevault - the SQLite index: schema and migrations, transactions with
 * on-commit hooks, and statements.  store/ holds the only files that speak
 * SQL (docs/architecture.md, Layers).
 */
#ifndef CV_STORE_INDEX_H
#define CV_STORE_INDEX_H

#include <stddef.h>
#include <sqlite3.h>
#include "base/handle.h"


int cv_index_open(cv_vault *v, int create);
int cv_index_exec(cv_vault *v, const char *sql);
int cv_index_prepare(cv_vault *v, sqlite3_stmt **st, const char *sql);
int cv_index_begin(cv_vault *v);
/*
 * A read transaction: one snapshot and one WAL read lock for many reads
 * (a search's thousands of look-ups), ended with cv_index_rollback.
 */
int cv_index_read_begin(cv_vault *v);
/*
 * Commit; then run (once each) the hooks registered during the transaction.
 * A hook's failure does not undo the commit: hooks do work that can be
 * redone from the index (the audit anchor file, store/index.c).
 */
int cv_index_commit(cv_vault *v);
void cv_index_rollback(cv_vault *v);
/* Run fn after the open transaction commits (dropped on rollback); outside one, now. */
int cv_index_on_commit(cv_vault *v, cv_commit_hook fn);
int cv_index_in_tx(cv_vault *v);
int cv_index_next_id(cv_vault *v, const char *counter, long *out);
int cv_index_next_ids(cv_vault *v, const char *counter, long count, long *first);  /* a block of ids */
/* Move the write-ahead log into vault.db and empty it (deleted keys leave the log). */
int cv_index_checkpoint(cv_vault *v);
/* data_version of the index and of the key store (SQLite's: another connection committed when it changes) */
int cv_index_data_version(cv_vault *v, long long out[2]);
int cv_index_dberr(cv_vault *v, const char *what);
/* A text column, "" for NULL. */
const char *cv_col(sqlite3_stmt *st, int i);
/* Text column i into buf (size bytes, cut short to fit); "" for NULL. */
void cv_col_copy(sqlite3_stmt *st, int i, char *buf, size_t size);
/* A malloc'd copy of text column i and its length (*len); NULL when out of memory. */
char *cv_col_dup(sqlite3_stmt *st, int i, size_t *len);

/*
 * Statements.  All SQL is in the store (docs/architecture.md, Layers), and
 * nearly every store function is one statement: prepare, bind, step,
 * finalize.  These do that once, so a db_*.c function holds only its SQL,
 * its parameters and its columns.
 *
 * Parameters are bound from ?1 on, in order, one letter of types each:
 *   't'  const char *            text; NULL binds NULL
 *   'n'  const char *            text; NULL or "" binds NULL
 *   'T'  const char *, size_t    text of that many bytes
 *   'b'  const void *, size_t    blob of that many bytes
 *   'i'  int        'l'  long        'I'  sqlite3_int64 (long long)
 *   '-'  (no argument)           left unbound (NULL): a sealed value the
 *                                caller binds itself (store/sealed.h)
 * Values are copied, so a caller's buffer may go once the call returns.
 * Errors (the statement does not prepare, a parameter does not bind, the
 * step fails) leave cv_index_dberr's one-line message and return < 0.
 */
int cv_index_bind(cv_vault *v, sqlite3_stmt *st, const char *what, const char *types, ...);
/* Prepare and bind; the caller steps and finalizes *st (NULL after an error). */
int cv_index_query(cv_vault *v, sqlite3_stmt **st, const char *sql, const char *types, ...);
/* Step a bound statement to its end and finalize it; a failed step: "cannot <what>: ...". */
int cv_index_done(cv_vault *v, sqlite3_stmt *st, const char *what);
/* Prepare, bind, step to the end, finalize: one INSERT, UPDATE or DELETE. */
int cv_index_run(cv_vault *v, const char *what, const char *sql, const char *types, ...);
/*
 * A single-row lookup: 1 with *st on the row (the caller reads its columns
 * and finalizes it), 0 when there is no row (*st is NULL), < 0 on error.
 */
int cv_index_one(cv_vault *v, sqlite3_stmt **st, const char *sql, const char *types, ...);
/* How cv_index_collect makes one item of a list from a row, and frees a list. */
typedef struct {
	size_t item_size;
	/* Fill the zeroed item from st's row; when it fails, it leaves nothing to free. */
	int (*fill)(cv_vault *v, sqlite3_stmt *st, void *item, void *ctx);
	void (*release)(void *items, size_t n);
} cv_index_list;

/*
 * A list: prepare and bind sql, and make one item of *items per row, *n of
 * them, with how->fill(v, st, item, ctx).  < 0 when the statement does not
 * prepare or bind, when out of memory, when fill fails, or when a step
 * fails ("cannot <what>: ..."; what NULL: a failed step ends the list
 * quietly, as the listings that never checked it did); the items are then
 * released and *items is NULL, *n 0.
 */
int cv_index_collect(cv_vault *v, const char *what, const cv_index_list *how, void *items, size_t *n,
		     void *ctx, const char *sql, const char *types, ...);
/*
 * The first column of every row of sql, bound to the one text parameter
 * arg, as a list of fixed-width strings (width bytes each, cut to fit):
 * the ids of a case's caseworkers, of its linked cases.  *out is freed by
 * the caller; 0, or < 0 with a message.
 */
int cv_index_ids(cv_vault *v, const char *sql, const char *arg, size_t width, void *out, size_t *n);

#endif
