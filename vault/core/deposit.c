/*
 * casevault - deposits (core/deposit.h).  A volunteer needs to file, never
 * to read (docs/security.md, Roles), so they hold no section key: what they
 * file is wrapped to the section's deposit key, whose secret is derived from
 * the section master key (crypto/deposit.c), and waits in the deposits table,
 * out of every listing.  Whoever next unlocks that section adopts it: the
 * archive key is wrapped again under the master key and the rows sealed
 * under it, in one transaction with an audit event; the archive file is not
 * touched (docs/architecture.md, Keys: deposits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/handle.h"
#include "base/hex.h"
#include "core/audit.h"
#include "core/deposit.h"
#include "core/lock.h"
#include "core/grants.h"
#include "crypto/deposit.h"
#include "crypto/gpg.h"
#include "store/db_cases.h"
#include "store/db_deposit.h"
#include "store/db_intake.h"
#include "store/db_meta.h"
#include "store/index.h"
#include "store/keystore.h"
#include "casevault/case.h"
#include "casevault/date.h"
#include "casevault/policy.h"

#define PUB_TEXT 80   /* "GEN:" + 64 hex */

static void meta_key(cv_section s, char out[32])
{
	snprintf(out, 32, "deposit.%s", cv_section_name(s));
}

/* The meta value of section s's deposit key for the master key in memory: "GEN:HEX". */
static int pub_text(cv_vault *v, cv_section s, char out[PUB_TEXT])
{
	unsigned char pub[32];
	char hex[65];

	if (cv_deposit_public(v->mkey[s], cv_section_name(s), pub) < 0)
		return cv_error(v, CV_ERROR, "cannot derive the deposit key");
	cv_hex_encode(pub, 32, hex);
	snprintf(out, PUB_TEXT, "%d:%s", v->mkey_gen[s], hex);
	return 0;
}

#define SIG_ROW 4096   /* the statement and its armored detached signature */

/* What a key holder signs: the deposit key of section s in this vault (docs/architecture.md, Keys). */
static int statement(cv_vault *v, cv_section s, const char *value, char out[256])
{
	char id[40];
	int r;

	if ((r = cv_db_meta_get(v, "vault.id", id, sizeof(id))) < 0)
		return r;
	snprintf(out, 256, "casevault-deposit-key/1\nvault %s\nsection %s\nkey %s\n", id, cv_section_name(s), value);
	return 0;
}

/*
 * The row deposit.SECTION.sig (the statement, then its signature) when it
 * is for value in this vault: 1 with text the statement and *sig in row,
 * else 0.
 */
static int sig_row(cv_vault *v, cv_section s, const char *value, char text[256], char row[SIG_ROW], const char **sig)
{
	char key[40];
	int r;

	snprintf(key, sizeof(key), "deposit.%s.sig", cv_section_name(s));
	if ((r = statement(v, s, value, text)) < 0 || (r = cv_db_meta_get(v, key, row, SIG_ROW)) <= 0)
		return r;
	if (strncmp(row, text, strlen(text)))
		return 0;
	*sig = row + strlen(text);
	return 1;
}

/*
 * Sign value as section s's deposit key, with the actor's key, whose grant
 * includes s (cv_grants_check_actor dropped any other key): a volunteer, who
 * cannot derive the key, checks this signature before encrypting to it.
 */
static int sign_published(cv_vault *v, cv_section s, const char *value)
{
	char row[SIG_ROW], text[256], key[40], *sig = NULL;
	const char *have;
	size_t len = 0;
	int r;

	if (!v->anchor_fpr[0])
		return 0;  /* no grants yet: nobody's signature could be vouched for */
	if ((r = sig_row(v, s, value, text, row, &have)) != 0)
		return r < 0 ? r : 0;
	if ((r = cv_gpg_sign_detached(v, v->actor_fpr, text, strlen(text), &sig, &len)) < 0)
		return r;
	if (strlen(text) + len >= SIG_ROW)
		r = cv_error(v, CV_ERROR, "the deposit key's signature is too long");
	else {
		snprintf(row, sizeof(row), "%s%.*s", text, (int)len, sig);
		snprintf(key, sizeof(key), "deposit.%s.sig", cv_section_name(s));
		r = cv_db_meta_set(v, key, row, 1, "sign the deposit key");
	}
	cv_gpg_free(sig);
	return r;
}

#define MEMO_HEX 65   /* 64 hex + NUL */

/* The memo of value as section s's deposit key under the master key in memory (crypto/deposit.h). */
static int memo_of(cv_vault *v, cv_section s, const char *value, char out[MEMO_HEX])
{
	unsigned char m[32];

	if (cv_deposit_memo(v->mkey[s], cv_section_name(s), value, m) < 0)
		return cv_error(v, CV_ERROR, "cannot derive the deposit key's memo");
	cv_hex_encode(m, 32, out);
	explicit_bzero(m, sizeof(m));
	return 0;
}

static void memo_key(cv_section s, char out[40])
{
	snprintf(out, 40, "deposit.%s.memo", cv_section_name(s));
}

/*
 * The deposit key's value for the master key in memory, into want; *held
 * set when the index's memo shows that have is it.  Deriving it is an
 * X25519 multiplication, most of what an unlocked 'ls' through casevaultd
 * costs (docs/service.md, Speed); a memo (meta deposit.SECTION.memo) that
 * matches have was written by a holder of the master key who derived that
 * value, so it stands for the derivation; one that does not (none yet, a
 * new generation, a value someone wrote into the index) sends the unlock
 * to the derivation, as before.
 */
static int current_value(cv_vault *v, cv_section s, const char *have, char want[PUB_TEXT], int *held)
{
	char key[40], row[MEMO_HEX], memo[MEMO_HEX];
	int r;

	*held = 0;
	memo_key(s, key);
	if (have[0] && atoi(have) == v->mkey_gen[s] && (r = cv_db_meta_get(v, key, row, sizeof(row))) > 0 &&
	    (r = memo_of(v, s, have, memo)) == 0 && !strcmp(row, memo)) {
		*held = 1;
		snprintf(want, PUB_TEXT, "%s", have);
		return 0;
	}
	return pub_text(v, s, want);
}

/* Remember that want is this section's deposit key for the master key in memory. */
static int write_memo(cv_vault *v, cv_section s, const char *want)
{
	char key[40], memo[MEMO_HEX];
	int r;

	memo_key(s, key);
	if ((r = memo_of(v, s, want, memo)) < 0)
		return r;
	return cv_db_meta_set(v, key, memo, 1, "remember the deposit key");
}

/*
 * Publish every unlocked section's deposit key, signed, where the index
 * holds none or a stale one.  One of the current generation that differs
 * was written by someone who can write the index: replaced, and named by
 * this command's verify (v->deposit_forged).
 */
static int publish(cv_vault *v)
{
	char key[32], want[PUB_TEXT], have[PUB_TEXT];
	int s, r, held;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!v->mkey[s])
			continue;
		meta_key((cv_section)s, key);
		if ((r = cv_db_meta_get(v, key, have, sizeof(have))) < 0 ||
		    (r = current_value(v, (cv_section)s, have, want, &held)) < 0)
			return r;
		if (have[0] && strcmp(have, want) && atoi(have) == v->mkey_gen[s]) {
			v->deposit_forged |= 1 << s;
			cv_notice(v, "the %s section's deposit key in the index was not the vault's (the index was altered): "
				  "the vault's own is put back; a manager runs 'casevault verify'", cv_section_name(s));
		}
		if ((r = sign_published(v, (cv_section)s, want)) < 0 ||
		    (strcmp(have, want) && (r = cv_db_meta_set(v, key, want, 1, "publish the deposit key")) < 0) ||
		    (!held && (r = write_memo(v, (cv_section)s, want)) < 0))
			return r;
	}
	return cv_grants_record_anchor(v);
}

/* The published value of section s's deposit key is signed by a key holder whose grant holds. */
static int vouched(cv_vault *v, cv_section s, const char *value)
{
	char row[SIG_ROW], text[256], why[sizeof(v->errmsg)], *by = NULL;
	const char *sig = NULL;
	int r;

	if ((r = sig_row(v, s, value, text, row, &sig)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_EREFUSED, "the %s section's deposit key in the index is not one its key holders "
				"signed (an altered index, or none signed yet): nothing was filed; ask a caseworker to run "
				"any command, and a manager to run 'casevault verify'", cv_section_name(s));
	if ((r = cv_gpg_verify_detached(v, text, strlen(text), sig, strlen(sig), &by)) == 0)
		r = cv_grants_vouch(v, by, 1 << s);
	free(by);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", v->errmsg);
		return cv_error(v, CV_ECORRUPT, "the %s section's deposit key in the index is not vouched for (%s): "
				"nothing was filed; a manager runs 'casevault verify'", cv_section_name(s), why);
	}
	return 0;
}

int cv_deposit_public_key(cv_vault *v, cv_section s, unsigned char pub[32], int *gen)
{
	char key[32], have[PUB_TEXT], *colon;
	int r, cur;

	meta_key(s, key);
	if ((r = cv_db_meta_get(v, key, have, sizeof(have))) < 0 || (r = cv_db_deposit_key_gen(v, s, &cur)) < 0)
		return r;
	colon = strchr(have, ':');
	if (!colon || atoi(have) != cur)
		return cv_error(v, CV_EREFUSED, "the %s section has no deposit key for its current keys yet; "
				"file again after a caseworker's next command", cv_section_name(s));
	if (strlen(colon + 1) != 64 || cv_hex_decode(colon + 1, 32, pub) < 0)
		return cv_error(v, CV_ECORRUPT, "the %s section's deposit key in the index is malformed; "
				"a caseworker's next command replaces it", cv_section_name(s));
	if ((r = vouched(v, s, have)) < 0)
		return r;
	*gen = cur;
	return 0;
}

int cv_deposit_check_key(cv_vault *v, cv_section s, char *why, size_t whylen)
{
	char key[32], have[PUB_TEXT], saved[sizeof(v->errmsg)];
	int r;

	why[0] = '\0';
	if (v->deposit_forged & (1 << s)) {
		snprintf(why, whylen, "the deposit key in the index was not the vault's (written by someone who can write "
			 "vault.db); this command put the vault's own back: deposits filed to the forged one do not open");
		return 1;
	}
	meta_key(s, key);
	if ((r = cv_db_meta_get(v, key, have, sizeof(have))) <= 0)
		return r;
	snprintf(saved, sizeof(saved), "%s", v->errmsg);
	if ((r = vouched(v, s, have)) < 0)
		snprintf(why, whylen, "%s", v->errmsg);
	snprintf(v->errmsg, sizeof(v->errmsg), "%s", saved);
	return r < 0;
}

int cv_deposit_wrap_key(cv_vault *v, const unsigned char pub[32], const char *file, const char *key_hex,
			char **wrapped, unsigned char seal[32])
{
	unsigned char k[CV_KEY_LEN];
	int r = 0;

	*wrapped = NULL;
	if (strlen(key_hex) != CV_KEY_HEX || cv_hex_decode(key_hex, CV_KEY_LEN, k) < 0)
		return cv_error(v, CV_EINVAL, "an archive key is malformed");
	if (!(*wrapped = malloc(CV_DEPOSIT_WRAPPED_LEN)))
		r = cv_error(v, CV_ERROR, "out of memory");
	else if (cv_deposit_wrap(pub, file, k, *wrapped, seal) < 0)
		r = cv_error(v, CV_ERROR, "cannot wrap the archive key to the deposit key");
	explicit_bzero(k, sizeof(k));
	if (r < 0) {
		free(*wrapped);
		*wrapped = NULL;
	}
	return r;
}

static void records_ctx(const char *file, char out[64])
{
	snprintf(out, 64, "deposits.records:%s", file);
}

/* The record rows as the JSON a deposit seals: {"day": filing day, "records": [...]}. */
static char *rows_json(const cv_db_record_new *rows, size_t n)
{
	json_t *root = json_object(), *a = json_array();
	cv_date today;
	char day[11], *s = NULL;
	size_t i;
	int bad = !root || !a;

	cv_date_today(&today);
	cv_date_format(&today, day);
	for (i = 0; !bad && i < n; i++)
		bad = json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}",
			"id", rows[i].id, "class", rows[i].class_name, "member", rows[i].member, "mime", rows[i].mime,
			"size", (json_int_t)rows[i].size, "title", rows[i].title, "sha256", rows[i].sha256,
			"event_date", rows[i].event_date, "filed_at", rows[i].filed_at)) < 0;
	if (!bad && !json_object_set_new(root, "day", json_string(day)) && !json_object_set(root, "records", a))
		s = json_dumps(root, JSON_COMPACT);
	json_decref(a);
	json_decref(root);
	return s;
}

int cv_deposit_file(cv_vault *v, const cv_db_archive_new *a, const cv_db_record_new *rows, size_t n,
		    const unsigned char seal[32])
{
	cv_db_deposit d;
	char ctx[64], *json = rows_json(rows, n);
	int r;

	memset(&d, 0, sizeof(d));
	if (!json)
		return cv_error(v, CV_ERROR, "out of memory");
	records_ctx(a->file, ctx);
	r = cv_deposit_seal(seal, ctx, json, strlen(json), &d.records, &d.records_len);
	explicit_bzero(json, strlen(json));
	free(json);
	if (r < 0)
		return cv_error(v, CV_ERROR, "cannot seal a deposit");
	snprintf(d.file, sizeof(d.file), "%s", a->file);
	snprintf(d.case_id, sizeof(d.case_id), "%s", a->case_id);
	d.section = a->section;
	d.key_gen = a->key_gen;
	snprintf(d.wrapped_key, sizeof(d.wrapped_key), "%s", a->wrapped_key);
	d.compressed = a->compressed;
	d.size = a->size;
	snprintf(d.sha256, sizeof(d.sha256), "%s", a->sha256);
	d.receipt_id = a->receipt_id;
	snprintf(d.policy_hash, sizeof(d.policy_hash), "%s", rows && n ? rows[0].policy_hash : "");
	snprintf(d.filed_by, sizeof(d.filed_by), "%s", v->actor);
	snprintf(d.created, sizeof(d.created), "%s", a->created);
	r = cv_db_deposit_insert(v, &d);
	free(d.records);
	return r;
}

/* One deposit opened and ready to commit: its archive key wrapped again, its rows in the clear. */
typedef struct {
	const cv_db_deposit *d;
	char *wrapped;
	int gen;
	json_t *root;
} adoption;

static void adoption_release(adoption *ad)
{
	free(ad->wrapped);
	json_decref(ad->root);
	memset(ad, 0, sizeof(*ad));
}

/* Open deposit d with the section key in memory and wrap its archive key again. */
static int adoption_open(cv_vault *v, cv_deposit_wrap_fn wrap, const cv_db_deposit *d, adoption *ad)
{
	unsigned char key[CV_KEY_LEN], seal[32];
	char ctx[64], hex[CV_KEY_HEX + 1], *json = NULL;
	size_t len = 0;
	int r;

	memset(ad, 0, sizeof(*ad));
	ad->d = d;
	r = cv_deposit_unwrap(v->mkey[d->section], cv_section_name(d->section), d->file, d->wrapped_key, key, seal);
	if (r == -1)
		return cv_error(v, CV_ERROR, "cannot open a deposit (libgcrypt)");
	if (r < 0)
		return cv_error(v, CV_ECORRUPT, "deposit %s does not open with the %s key (damaged, or filed to a forged "
				"deposit key)", d->file, cv_section_name(d->section));
	records_ctx(d->file, ctx);
	r = cv_deposit_unseal(seal, ctx, d->records, d->records_len, &json, &len);
	explicit_bzero(seal, sizeof(seal));
	if (r == 0 && !(ad->root = json_loadb(json, len, 0, NULL)))
		r = -3;
	if (json) {
		explicit_bzero(json, len);
		free(json);
	}
	if (r == 0 && !json_is_array(json_object_get(ad->root, "records")))
		r = -3;
	cv_hex_encode(key, CV_KEY_LEN, hex);
	explicit_bzero(key, sizeof(key));
	if (r == 0)
		r = wrap(v, d->section, d->file, hex, &ad->wrapped, &ad->gen);
	else
		r = cv_error(v, CV_ECORRUPT, "deposit %s has damaged records", d->file);
	explicit_bzero(hex, sizeof(hex));
	if (r < 0)
		adoption_release(ad);
	return r;
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The retention date of an adopted record, from the case's facts as a filing computes it. */
static void retention(cv_vault *v, const cv_case *c, const char *class_name, const char *day, const char *event,
		      char out[11])
{
	const cv_class *cls = cv_policy_class(v->policy, class_name);
	cv_date filed, ev, dob, closed, res;
	cv_retention_facts f = { &filed, &ev, NULL, NULL, &filed };

	out[0] = '\0';
	if (!cls || cv_date_parse(&filed, day) < 0)
		return;
	if (cv_date_parse(&ev, event) < 0)
		ev = filed;
	if (c->child_dob[0] && cv_date_parse(&dob, c->child_dob) == 0)
		f.child_dob = &dob;
	if (c->closed[0] && cv_date_parse(&closed, c->closed) == 0)
		f.case_closed = &closed;
	if (cv_retention_date(&res, cls, &f) == 0)
		cv_date_format(&res, out);
}

/* The record rows of an opened deposit, in archive aid; ids gets "CASE R-... R-...". */
static int adoption_rows(cv_vault *v, const adoption *ad, long long aid, cv_db_record_new *rows,
			 char (*ret)[11], char *ids, size_t idlen)
{
	const cv_db_deposit *d = ad->d;
	json_t *recs = json_object_get(ad->root, "records"), *o;
	const char *day = js(ad->root, "day");
	cv_case c;
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = cv_db_case_get(v, d->case_id, 1, &c)) < 0)
		return r;
	snprintf(ids, idlen, "%s", d->case_id);
	json_array_foreach(recs, i, o) {
		cv_db_record_new *w = &rows[i];

		retention(v, &c, js(o, "class"), day, js(o, "event_date"), ret[i]);
		*w = (cv_db_record_new){ js(o, "id"), d->case_id, js(o, "class"), js(o, "member"), js(o, "mime"),
			d->section, aid, (int64_t)json_integer_value(json_object_get(o, "size")),
			js(o, "title"), js(o, "sha256"), js(o, "event_date"), js(o, "filed_at"), d->filed_by,
			ret[i], d->policy_hash };
		if (strlen(ids) + strlen(w->id) + 2 < idlen)
			strcat(strcat(ids, " "), w->id);
	}
	cv_case_release(&c);
	return 0;
}

/* The rows of one opened deposit, in the caller's transaction. */
static int adoption_commit(cv_vault *v, const adoption *ad)
{
	const cv_db_deposit *d = ad->d;
	cv_db_archive_new a = { d->file, d->case_id, d->section, ad->gen, ad->wrapped, d->compressed,
				d->size, d->sha256, d->receipt_id, d->created };
	size_t n = json_array_size(json_object_get(ad->root, "records"));
	cv_db_record_new *rows = calloc(n ? n : 1, sizeof(*rows));
	char (*ret)[11] = calloc(n ? n : 1, sizeof(*ret)), ids[512];
	long long aid;
	int r;

	if (!rows || !ret)
		r = cv_error(v, CV_ERROR, "out of memory");
	else if ((r = cv_db_archive_insert(v, &a, &aid)) == 0 &&
		 (r = adoption_rows(v, ad, aid, rows, ret, ids, sizeof(ids))) == 0 &&
		 (r = cv_db_records_insert(v, rows, n)) == 0 &&
		 (r = cv_db_deposit_delete(v, d->file)) == 0 &&
		 /* the case's last contact moved, and what runs from it, as a filing moves them */
		 (r = v->adopt_hook(v, d->case_id)) == 0)
		r = cv_audit(v, "deposit.adopt", 0, ids);
	free(rows);
	free(ret);
	return r;
}

/*
 * The adopted archives' keys go to the key store in a commit of their own,
 * before the index commit that adopts them: a crash between leaves keys no
 * archive row names, which the next writer sweeps (docs/architecture.md,
 * Crash safety).
 */
static int keys_first(cv_vault *v, const adoption *ads, size_t k)
{
	size_t i;
	int r;

	if ((r = cv_index_begin(v)) < 0)
		return r;
	for (i = 0; i < k && r == 0; i++)
		r = cv_keystore_put(v, ads[i].d->file, ads[i].gen, ads[i].wrapped);
	if (r == 0 && (r = cv_index_commit(v)) == 0)
		return 0;
	cv_index_rollback(v);
	return r;
}

/*
 * Open every deposit this actor's keys reach, then adopt them all in one
 * transaction.  strict: one that does not open fails the call; otherwise it
 * stays, named in a notice, and the others are adopted.
 */
static int adopt_all(cv_vault *v, cv_deposit_wrap_fn wrap, int strict)
{
	cv_db_deposit *ds = NULL;
	adoption *ads = NULL;
	size_t n = 0, i, k = 0;
	int r;

	if ((r = cv_db_deposit_list(v, &ds, &n)) < 0 || n == 0)
		return r;
	if (!v->adopt_hook) {
		cv_db_deposit_list_free(ds, n);
		return cv_error(v, CV_EREFUSED, "volunteers' deposits wait: this program does not work out retention "
				"dates (cv_retention_follow_deposits)");
	}
	if (!(ads = calloc(n, sizeof(*ads)))) {
		cv_db_deposit_list_free(ds, n);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	for (i = 0; i < n && r == 0; i++) {
		if (!v->mkey[ds[i].section])
			continue;
		if ((r = adoption_open(v, wrap, &ds[i], &ads[k])) == 0)
			k++;
		else if (!strict) {
			cv_notice(v, "a volunteer's deposit waits: %s", v->errmsg);
			r = 0;
		}
	}
	if (r == 0 && k > 0)
		r = keys_first(v, ads, k);
	if (r == 0 && k > 0 && (r = cv_index_begin(v)) == 0) {
		for (i = 0; i < k && r == 0; i++)
			r = adoption_commit(v, &ads[i]);
		if (r == 0)
			r = cv_index_commit(v);
		else
			cv_index_rollback(v);
	}
	for (i = 0; i < n; i++)
		adoption_release(&ads[i]);
	free(ads);
	cv_db_deposit_list_free(ds, n);
	return r;
}

int cv_deposit_on_unlock(cv_vault *v, cv_deposit_wrap_fn wrap)
{
	char saved[sizeof(v->errmsg)];
	int took, r;

	snprintf(saved, sizeof(saved), "%s", v->errmsg);
	if (publish(v) < 0)
		cv_notice(v, "the deposit key was not published: %s", v->errmsg);
	/* a command in the middle of its own transaction, or a writer at work: the next command adopts */
	if (cv_db_deposit_any(v) <= 0 || cv_index_in_tx(v))
		goto out;
	took = v->lockfd < 0;
	if (took && cv_vault_lock_writer(v, 0) < 0)
		goto out;
	r = adopt_all(v, wrap, 0);
	if (took)
		cv_vault_unlock_writer(v);
	if (r < 0)
		cv_notice(v, "volunteers' deposits were not adopted: %s", v->errmsg);
out:
	snprintf(v->errmsg, sizeof(v->errmsg), "%s", saved);
	return 0;
}

int cv_deposit_before_rotation(cv_vault *v, cv_deposit_wrap_fn wrap, int *mask)
{
	char why[sizeof(v->errmsg)];
	int r;

	if ((r = adopt_all(v, wrap, 1)) < 0) {
		snprintf(why, sizeof(why), "%s", v->errmsg);
		return cv_error(v, r, "volunteers' deposits must be adopted before the keys change, and one cannot be "
				"(%s); nothing was changed", why);
	}
	if ((r = cv_db_deposit_any(v)) != 0)
		return r < 0 ? r : cv_error(v, CV_EREFUSED, "a volunteer's deposit is in a section you do not hold; "
					    "ask a manager who holds every section; nothing was changed");
	if (v->mkey[CV_SECTION_CASE] && (r = cv_db_deposit_legacy_case_key(v, v->mkey_gen[CV_SECTION_CASE])) > 0)
		*mask |= 1 << CV_SECTION_CASE;
	/* intake items are wrapped to the case deposit key, which the rotation retires (docs/intake.md) */
	if (r >= 0 && (*mask & (1 << CV_SECTION_CASE)) && (r = cv_db_intake_any(v)) > 0)
		return cv_error(v, CV_EREFUSED, "the intake tray holds items encrypted to the case key this change replaces: "
				"assign or reject them first ('casevault intake list'); nothing was changed");
	return r < 0 ? r : 0;
}
