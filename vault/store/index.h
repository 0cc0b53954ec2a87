/*
 * casevault - the SQLite index: schema and migrations, transactions with
 * on-commit hooks, and statements.  store/ holds the only files that speak
 * SQL (docs/architecture.md, Layers).
 */
#ifndef CV_STORE_INDEX_H
#define CV_STORE_INDEX_H

#include <sqlite3.h>
#include "base/handle.h"


int cv_index_open(cv_vault *v, int create);
int cv_index_exec(cv_vault *v, const char *sql);
int cv_index_prepare(cv_vault *v, sqlite3_stmt **st, const char *sql);
int cv_index_begin(cv_vault *v);
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
int cv_index_dberr(cv_vault *v, const char *what);
/* A text column, "" for NULL. */
const char *cv_col(sqlite3_stmt *st, int i);

#endif
