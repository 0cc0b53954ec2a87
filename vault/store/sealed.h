/*
 * casevault - sealed index columns: the registry of every BLOB column that
 * holds personal data under a section key, and the one way to write and
 * read them (docs/architecture.md, Sealed columns).
 *
 * A sealed value's context is "table.column:id", id being the row's key as
 * text, so a value copied into another row or column fails to open.
 */
#ifndef CV_STORE_SEALED_H
#define CV_STORE_SEALED_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "base/handle.h"

typedef struct {
	const char *table, *column;
	const char *section_col;   /* the row's column naming its section; NULL: always the case section */
	int schedule;              /* sealed under the schedule key (CV_SEAL_SCHEDULE), not a section's */
} cv_sealed_col;

/* Every sealed column; a unit test holds it against the schema's BLOB columns. */
extern const cv_sealed_col cv_sealed_cols[];
extern const size_t cv_nsealed_cols;

/*
 * Storage limitation (docs/architecture.md, Storage limitation): a sealed
 * NOT NULL column of an erased case holds a fixed marker instead of a
 * sealed value; cv_sealed_get gives CV_SEALED_ERASED_TEXT for it in the
 * columns that may hold it (the case's names and date of birth, a
 * requester, a consent's scope) and fails on it anywhere else;
 * cv_sealed_each passes over it.
 */
#define CV_SEALED_ERASED_TEXT "(erased)"
/* Bind the marker as parameter idx: -1 when SQLite refuses. */
int cv_sealed_erased_bind(sqlite3_stmt *st, int idx);
/* 1 when column col of st's row is the marker. */
int cv_sealed_is_erased(sqlite3_stmt *st, int col);

/* Seal text (NULL binds NULL) under s for table.column of row id, and bind it as parameter idx. */
int cv_sealed_bind(cv_vault *v, sqlite3_stmt *st, int idx, cv_section s,
		   const char *table, const char *column, const char *id, const char *text);
/*
 * Open column col of st's current row, sealed under s for table.column of
 * row id: *out is malloc'd text, or NULL when the column is NULL.
 * CV_ECORRUPT when it does not open (tampered, or moved from another row).
 */
int cv_sealed_get(cv_vault *v, sqlite3_stmt *st, int col, cv_section s,
		  const char *table, const char *column, const char *id, char **out);
/* The same for a row whose key is an integer (people, holds, decisions...). */
int cv_sealed_bind_n(cv_vault *v, sqlite3_stmt *st, int idx, cv_section s,
		     const char *table, const char *column, long long id, const char *text);
int cv_sealed_get_n(cv_vault *v, sqlite3_stmt *st, int col, cv_section s,
		    const char *table, const char *column, long long id, char **out);
/*
 * Seal text for the row whose integer key is id and store it there: for rows
 * inserted first, whose sealed fields name their own new rowid.  table and
 * column come from the caller's code, never from input.  what names the
 * action in the error message.
 */
int cv_seal_update(cv_vault *v, cv_section s, const char *table, const char *column,
		   sqlite3_int64 id, const char *text, const char *what);

/*
 * A record's size as this handle may know it: the exact size sealed in
 * column sealed_col under s when that opens, else the clear column
 * size_col (the size's bucket, cv_size_bucket; an older vault's exact size
 * while its size_sealed is NULL).  Exact sizes match known documents, so
 * the index keeps only buckets in clear (docs/architecture.md, Sealed columns).
 */
int64_t cv_sealed_size(cv_vault *v, sqlite3_stmt *st, int size_col, int sealed_col, cv_section s, const char *id);
/* The clear bucket of an exact size: the next power of two, at least 4 KiB. */
int64_t cv_size_bucket(int64_t size);

/*
 * Make the schedule key usable from the index (vault_keys, sealed under
 * the case key) when the case key is held and it is not loaded yet: 1 when
 * it is usable, 0 when the index holds none yet (a vault from before
 * sealed dates) or the case key is not held, < 0 on damage.
 */
int cv_sealed_schedule_load(cv_vault *v);

/*
 * Open every sealed value whose row's section is in mask (bit
 * CV_SEAL_SCHEDULE: the columns under the schedule key), column by column
 * of the registry (rotation re-seals them all; verify checks them all).
 * fn gets each with err 0, or err < 0 and *plain NULL when it does not open;
 * it may take *plain (setting it NULL), else it is wiped after the call.
 * fn returning < 0 stops the walk with that code.
 */
typedef int (*cv_sealed_fn)(void *hook, const cv_sealed_col *c, const char *id, cv_section sec,
			    char **plain, int err);
int cv_sealed_each(cv_vault *v, int mask, cv_sealed_fn fn, void *hook);

/*
 * The duplicate index (docs/architecture.md, Sealed columns): records.blind
 * is crypto/blind.c's keyed value of the case id and the document's hash,
 * under s's current key generation.  cv_sealed_blind computes it for a
 * document (the key must be unlocked).
 */
int cv_sealed_blind(cv_vault *v, cv_section s, const char *case_id, const char *sha_hex, char out[65]);
/*
 * Store the blind value of every record of s whose value is missing (all:
 * or differs from what the key in hand gives, after a rotation), from its
 * sealed hash, in the caller's transaction; *n counts the rows written.  A
 * hash that does not open is left for verify to name.
 */
int cv_sealed_blind_fill(cv_vault *v, cv_section s, int all, size_t *n);
/* 1 when some record of s has no blind value yet (filed before the index), 0 when none, <0 on error. */
int cv_sealed_blind_missing(cv_vault *v, cv_section s);
/* verify: fn for each record of the unlocked sections in mask whose value is missing (wrong 0) or wrong (1). */
typedef void (*cv_blind_fn)(void *hook, const char *id, int wrong);
int cv_sealed_blind_each(cv_vault *v, int mask, cv_blind_fn fn, void *hook);

#endif
