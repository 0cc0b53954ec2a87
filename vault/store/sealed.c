/*
 * casevault - sealed index columns: personal fields stored as BLOBs sealed
 * under a section key (crypto/seal.c), with the row they belong to named in
 * the sealing context so that a sealed value cannot be moved to another row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "base/array.h"
#include "base/hex.h"
#include "crypto/blind.h"
#include "crypto/keymem.h"
#include "crypto/seal.h"
#include "store/index.h"
#include "store/sealed.h"

const cv_sealed_col cv_sealed_cols[] = {
	{ "cases", "parent", NULL, 0 },
	{ "cases", "child", NULL, 0 },
	{ "cases", "child_dob", NULL, 0 },
	{ "staff", "name", NULL, 0 },
	{ "records", "title", "section", 0 },
	{ "records", "sha256", "section", 0 },
	{ "records", "event_date", "section", 0 },
	{ "records", "size_sealed", "section", 0 },
	{ "holds", "reason", "section", 0 },
	{ "reviews", "reason", "section", 0 },
	{ "requests", "requester", NULL, 0 },
	{ "requests", "ext_reason", NULL, 0 },
	{ "requests", "pause_reason", NULL, 0 },
	{ "people", "name", NULL, 0 },
	{ "people", "phone", NULL, 0 },
	{ "people", "email", NULL, 0 },
	{ "people", "role", NULL, 0 },
	{ "decisions", "ground", "section", 0 },
	{ "decisions", "reason", "section", 0 },
	{ "disclosure_items", "ground", "section", 0 },
	{ "corrections", "reason", "section", 0 },
	{ "referrals", "agency", "section", 0 },
	{ "referrals", "reason", "section", 0 },
	{ "referrals", "basis", "section", 0 },
	{ "enquiries", "text", NULL, 0 },
	{ "exports", "purpose", "section", 0 },
	{ "consents", "scope", NULL, 0 },
	/* a record's document words for search, one value per record (docs/security.md, Search) */
	{ "record_words", "words", "section", 0 },
	/* the schedule key itself, under the case key (the blind indexes' keys are derived, not stored) */
	{ "vault_keys", "key", "section", 0 },
	/* exact retention dates: DOB + 25 years publishes a birth date (docs/architecture.md, Sealed columns) */
	{ "records", "retain_until", NULL, 1 },
	{ "reviews", "retain_until", NULL, 1 },
	{ "reviews", "until", NULL, 1 },
};
const size_t cv_nsealed_cols = sizeof(cv_sealed_cols) / sizeof(cv_sealed_cols[0]);

/*
 * The erasure marker (docs/architecture.md, Storage limitation): what a
 * sealed NOT NULL column of an erased case holds in place of its value.
 * It is no sealed value (a real one starts with a random nonce), it needs no
 * key to write (the scheduled purge holds none), and it opens only in the
 * columns that may hold it, as CV_SEALED_ERASED_TEXT; verify checks that
 * it stands only on an erased case (cv_db_case_erased_check).
 */
static const unsigned char erased_marker[] = "casevault:erased/1";
#define ERASED_LEN (sizeof(erased_marker) - 1)

static const char *const erasable[][2] = {
	{ "cases", "parent" }, { "cases", "child" }, { "cases", "child_dob" },
	{ "requests", "requester" }, { "consents", "scope" },
};

static int is_erasable(const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < sizeof(erasable) / sizeof(erasable[0]); i++)
		if (!strcmp(erasable[i][0], table) && !strcmp(erasable[i][1], column))
			return 1;
	return 0;
}

int cv_sealed_erased_bind(sqlite3_stmt *st, int idx)
{
	return sqlite3_bind_blob(st, idx, erased_marker, (int)ERASED_LEN, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

int cv_sealed_is_erased(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_BLOB && (size_t)sqlite3_column_bytes(st, col) == ERASED_LEN &&
	       !memcmp(sqlite3_column_blob(st, col), erased_marker, ERASED_LEN);
}

/*
 * "TABLE.COLUMN:ID", truncated to len as snprintf would, joined by hand: an
 * 'ls' of 1,000 records opens 3,000 sealed fields and the format parser
 * was a twelfth of its instructions (docs/service.md, Speed).
 */
static void context(char *out, size_t len, const char *table, const char *column, const char *id)
{
	const char *part[5] = { table, ".", column, ":", id };
	size_t at = 0, n;
	int i;

	if (!len)
		return;
	for (i = 0; i < 5; i++) {
		n = strnlen(part[i], len - 1 - at);
		memcpy(out + at, part[i], n);
		at += n;
	}
	out[at] = '\0';
}

int cv_sealed_bind(cv_vault *v, sqlite3_stmt *st, int idx, cv_section s,
		   const char *table, const char *column, const char *id, const char *text)
{
	unsigned char *b = NULL;
	size_t len = 0;
	char ctx[128];
	int r;

	if (!text) {
		sqlite3_bind_null(st, idx);
		return 0;
	}
	context(ctx, sizeof(ctx), table, column, id);
	if ((r = cv_seal_str(v, s, ctx, text, &b, &len)) < 0)
		return r;
	if (sqlite3_bind_blob(st, idx, b, (int)len, free) != SQLITE_OK)
		return cv_index_dberr(v, "store a sealed field");
	return 0;
}

int cv_sealed_get(cv_vault *v, sqlite3_stmt *st, int col, cv_section s,
		  const char *table, const char *column, const char *id, char **out)
{
	char ctx[128];

	*out = NULL;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	if (cv_sealed_is_erased(st, col) && is_erasable(table, column))
		return (*out = strdup(CV_SEALED_ERASED_TEXT)) ? 0 : cv_error(v, CV_ERROR, "out of memory");
	context(ctx, sizeof(ctx), table, column, id);
	return cv_unseal(v, s, ctx, sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col), out, NULL);
}

int cv_sealed_bind_n(cv_vault *v, sqlite3_stmt *st, int idx, cv_section s,
		     const char *table, const char *column, long long id, const char *text)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", id);
	return cv_sealed_bind(v, st, idx, s, table, column, n, text);
}

int cv_sealed_get_n(cv_vault *v, sqlite3_stmt *st, int col, cv_section s,
		    const char *table, const char *column, long long id, char **out)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", id);
	return cv_sealed_get(v, st, col, s, table, column, n, out);
}

int64_t cv_size_bucket(int64_t size)
{
	int64_t b = 4096;

	while (b < size && b < INT64_MAX / 2)
		b *= 2;
	return b;
}

int64_t cv_sealed_size(cv_vault *v, sqlite3_stmt *st, int size_col, int sealed_col, cv_section s, const char *id)
{
	int64_t size = sqlite3_column_int64(st, size_col);
	char *p = NULL, *end = NULL;
	long long exact;

	if (sqlite3_column_type(st, sealed_col) == SQLITE_NULL || !v->mkey[s])
		return size;
	if (cv_sealed_get(v, st, sealed_col, s, "records", "size_sealed", id, &p) < 0 || !p)
		return size;  /* verify names the damaged value (cv_sealed_each) */
	exact = strtoll(p, &end, 10);
	if (*end || exact < 0 || cv_size_bucket(exact) != size)
		exact = size;
	free(p);
	return exact;
}

/* See sealed.h. */
int cv_seal_update(cv_vault *v, cv_section s, const char *table, const char *column,
		   sqlite3_int64 id, const char *text, const char *what)
{
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
	r = cv_index_run(v, what, sql, "bI", sealed, slen, id);
	free(sql);
	free(sealed);
	return r;
}

static int table_has(cv_vault *v, const char *table, const char *column);

static int table_has_keys(cv_vault *v)
{
	return table_has(v, "vault_keys", "key");
}

/* See sealed.h. */
int cv_sealed_schedule_load(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	unsigned char *key;
	char *hex = NULL;
	int r;

	if (v->skey && (v->skey_file || v->mkey[CV_SECTION_CASE]))
		return 1;
	if (!v->mkey[CV_SECTION_CASE] || !table_has_keys(v))
		return 0;
	if ((r = cv_index_one(v, &st, "SELECT key FROM vault_keys WHERE id = 'schedule'", NULL)) <= 0)
		return r;
	r = cv_sealed_get(v, st, 0, CV_SECTION_CASE, "vault_keys", "key", "schedule", &hex);
	sqlite3_finalize(st);
	if (r < 0 || !hex)
		return r < 0 ? r : cv_error(v, CV_ECORRUPT, "the schedule key in the index is damaged");
	key = v->skey ? v->skey : cv_keymem_alloc(CV_KEY_LEN);
	if (!key)
		r = cv_error(v, CV_ERROR, "out of secure memory");
	else if (strlen(hex) != CV_KEY_HEX || cv_hex_decode(hex, CV_KEY_LEN, key) < 0)
		r = cv_error(v, CV_ECORRUPT, "the schedule key in the index is damaged");
	explicit_bzero(hex, strlen(hex));
	free(hex);
	if (key && r < 0 && key != v->skey)
		cv_keymem_free(key, CV_KEY_LEN);
	if (r < 0)
		return r;
	v->skey = key;
	v->skey_file = 0;
	return 1;
}

/* Whether this index has the column (a registry entry may name a newer table). */
static int table_has(cv_vault *v, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	int found = cv_index_one(v, &st, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", "tt", table, column);

	sqlite3_finalize(st);
	return found > 0;
}

/* Every value of one sealed column whose row's section is in mask, to fn. */
static int each_in_column(cv_vault *v, const cv_sealed_col *c, int mask, cv_sealed_fn fn, void *hook)
{
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int r;

	/* an erasure marker is no sealed value: nothing to open, re-seal or check here (verify checks where it stands) */
	if (asprintf(&sql, "SELECT id, %s, %s FROM %s WHERE %s IS NOT NULL AND (?1 IS NULL OR %s IS NOT ?1)", c->column,
		     c->schedule ? "'schedule'" : c->section_col ? c->section_col : "'case'", c->table, c->column,
		     c->column) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_index_prepare(v, &st, sql);
	free(sql);
	if (r < 0)
		return r;
	if (is_erasable(c->table, c->column) && cv_sealed_erased_bind(st, 1) < 0) {
		sqlite3_finalize(st);
		return cv_index_dberr(v, "read the sealed columns");
	}
	while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
		cv_section sec;
		char *plain = NULL;
		int err;

		if (c->schedule)
			sec = CV_SEAL_SCHEDULE;
		else if (cv_section_parse(&sec, cv_col(st, 2)) < 0)
			continue;
		if (!(mask & (1 << sec)))
			continue;
		err = cv_sealed_get(v, st, 1, sec, c->table, c->column, cv_col(st, 0), &plain);
		r = fn(hook, c, cv_col(st, 0), sec, &plain, err);
		if (plain) {
			explicit_bzero(plain, strlen(plain));
			free(plain);
		}
	}
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int cv_sealed_each(cv_vault *v, int mask, cv_sealed_fn fn, void *hook)
{
	size_t i;
	int r;

	for (i = 0; i < cv_nsealed_cols; i++) {
		if (!table_has(v, cv_sealed_cols[i].table, cv_sealed_cols[i].column))
			continue;
		if ((r = each_in_column(v, &cv_sealed_cols[i], mask, fn, hook)) < 0)
			return r;
	}
	return 0;
}


/* ---- the duplicate index (docs/architecture.md, Sealed columns) ---- */

int cv_sealed_blind(cv_vault *v, cv_section s, const char *case_id, const char *sha_hex, char out[65])
{
	int r;

	if (!v->mkey[s])
		return cv_error(v, CV_EREFUSED, "the %s key is not unlocked", cv_section_name(s));
	r = cv_blind_cached(v->blind, (int)s, v->mkey[s], cv_section_name(s), v->mkey_gen[s], case_id, sha_hex, out);
	if (r == -2)
		return cv_error(v, CV_ECORRUPT, "a document hash in the index is malformed");
	return r < 0 ? cv_error(v, CV_ERROR, "cannot compute a duplicate index value (libgcrypt)") : 0;
}

typedef int (*blind_row_fn)(void *hook, const char *id, const char *stored, const char *want);

/*
 * Each record of section s (only those with no blind value when
 * missing_only) whose sealed hash opens under the key in hand, with its
 * stored value (NULL when none) and the one its hash gives now.  A hash
 * that does not open is skipped: verify names it (cv_sealed_each).
 */
static int blind_rows(cv_vault *v, cv_section s, int missing_only, blind_row_fn fn, void *hook)
{
	sqlite3_stmt *st = NULL;
	int r, rc = SQLITE_DONE;

	if ((r = cv_index_query(v, &st, missing_only ?
				"SELECT id, case_id, sha256, blind FROM records INDEXED BY records_blind_missing"
				" WHERE section = ? AND blind IS NULL" :
				"SELECT id, case_id, sha256, blind FROM records WHERE section = ?",
				"t", cv_section_name(s))) < 0)
		return r;
	while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *sha = NULL, want[65];

		if (cv_sealed_get(v, st, 2, s, "records", "sha256", cv_col(st, 0), &sha) < 0 || !sha)
			continue;
		r = cv_sealed_blind(v, s, cv_col(st, 1), sha, want);
		explicit_bzero(sha, strlen(sha));
		free(sha);
		if (r == 0)
			r = fn(hook, cv_col(st, 0), (const char *)sqlite3_column_text(st, 3), want);
		else if (r == CV_ECORRUPT)
			r = 0;  /* a malformed hash: verify names it */
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = cv_index_dberr(v, "read the duplicate index");
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

struct blind_fix {
	cv_vault *v;
	struct { char id[24], want[65]; } *rows;
	size_t n, cap;
};

static int blind_collect(void *hook, const char *id, const char *stored, const char *want)
{
	struct blind_fix *f = hook;

	if (stored && !strcmp(stored, want))
		return 0;
	if (CV_ARRAY_GROW(&f->rows, &f->cap, f->n) < 0)
		return cv_error(f->v, CV_ERROR, "out of memory");
	snprintf(f->rows[f->n].id, sizeof(f->rows[f->n].id), "%s", id);
	memcpy(f->rows[f->n++].want, want, 65);
	return 0;
}

int cv_sealed_blind_missing(cv_vault *v, cv_section s)
{
	sqlite3_stmt *st = NULL;
	int r = cv_index_one(v, &st, "SELECT 1 FROM records INDEXED BY records_blind_missing"
			     " WHERE section = ? AND blind IS NULL LIMIT 1", "t", cv_section_name(s));

	sqlite3_finalize(st);
	return r;
}

int cv_sealed_blind_fill(cv_vault *v, cv_section s, int all, size_t *n)
{
	struct blind_fix f = { v, NULL, 0, 0 };
	size_t i;
	int r;

	*n = 0;
	r = blind_rows(v, s, !all, blind_collect, &f);
	for (i = 0; r == 0 && i < f.n; i++)
		r = cv_index_run(v, "store the duplicate index", "UPDATE records SET blind = ? WHERE id = ?", "tt",
				 f.rows[i].want, f.rows[i].id);
	if (r == 0)
		*n = f.n;
	free(f.rows);
	return r;
}

struct blind_check {
	cv_blind_fn fn;
	void *hook;
};

static int blind_compare(void *hook, const char *id, const char *stored, const char *want)
{
	struct blind_check *c = hook;

	if (!stored || strcmp(stored, want))
		c->fn(c->hook, id, stored != NULL);
	return 0;
}

int cv_sealed_blind_each(cv_vault *v, int mask, cv_blind_fn fn, void *hook)
{
	struct blind_check c = { fn, hook };
	int s, r;

	if (!table_has(v, "records", "blind"))
		return 0;
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if ((mask & (1 << s)) && v->mkey[s] && (r = blind_rows(v, (cv_section)s, 0, blind_compare, &c)) < 0)
			return r;
	return 0;
}
