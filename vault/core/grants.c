/*
 * casevault - signed role grants (grants.h).
 *
 * A grant is canonical JSON (sorted keys, compact) naming the vault, its
 * sequence number, the staff member, role, sections, key, OS user,
 * revocation and signer, with a detached OpenPGP signature.  It is valid
 * when its signature verifies and its signer is the anchor, or a manager
 * whose own newest grant is valid and not revoked.  One gpg verify per
 * link: the actor's grant is usually signed by the anchor, so an unlock
 * costs one verify; verify checks every grant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "casevault/staff.h"
#include "casevault/text.h"
#include "base/handle.h"
#include "base/util.h"
#include "core/grants.h"
#include "crypto/anchor.h"
#include "crypto/keymem.h"
#include "crypto/gpg.h"
#include "rules/roles.h"
#include "store/db_grants.h"
#include "store/db_meta.h"

#define GRANT_FORMAT "casevault-grant/1"
#define CHAIN_MAX 8   /* longer signer chains are refused (and cycles end) */

static void sections_text(int mask, char *out, size_t len)
{
	int s;

	out[0] = '\0';
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (mask & (1 << s)) {
			if (out[0])
				strncat(out, ",", len - strlen(out) - 1);
			strncat(out, cv_section_name(s), len - strlen(out) - 1);
		}
}

static int sections_parse(const char *text)
{
	char buf[64], *tok, *save = NULL;
	cv_section s;
	int mask = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (cv_section_parse(&s, tok) == 0)
			mask |= 1 << s;
	return mask;
}

static char *statement_json(cv_vault *v, const cv_grant *g)
{
	char sections[32];
	json_t *root = json_object();
	char *s = NULL;
	int failed = !root;

	sections_text(g->sections, sections, sizeof(sections));
	cv_json_set(&failed, root, "format", json_string(GRANT_FORMAT));
	cv_json_set(&failed, root, "vault", json_string(v->vault_id));
	cv_json_set(&failed, root, "seq", json_integer(g->seq));
	cv_json_set(&failed, root, "staff", json_string(g->staff));
	cv_json_set(&failed, root, "role", json_string(g->role));
	cv_json_set(&failed, root, "sections", json_string(sections));
	cv_json_set(&failed, root, "fpr", json_string(g->fpr));
	cv_json_set(&failed, root, "os_uid", json_integer(g->os_uid));
	cv_json_set(&failed, root, "revoked", json_string(g->revoked));
	cv_json_set(&failed, root, "signer", json_string(g->signer));
	if (!failed)
		s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return s;
}

int cv_grants_sign(cv_vault *v, const char *signer_fpr, cv_grant *g)
{
	cv_db_grant row;
	char now[32], *sig = NULL;
	size_t siglen = 0;
	int r;

	memset(&row, 0, sizeof(row));
	if ((r = cv_db_grants_next_seq(v, &g->seq)) < 0)
		return r;
	snprintf(g->signer, sizeof(g->signer), "%s", signer_fpr);
	if (!(row.statement = statement_json(v, g)))
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_gpg_sign_detached(v, signer_fpr, row.statement, strlen(row.statement), &sig, &siglen);
	if (r == 0 && !(row.sig = strndup(sig, siglen)))
		r = cv_error(v, CV_ERROR, "out of memory");
	cv_gpg_free(sig);
	if (r == 0) {
		row.seq = g->seq;
		snprintf(row.staff_id, sizeof(row.staff_id), "%s", g->staff);
		snprintf(row.fpr, sizeof(row.fpr), "%s", g->fpr);
		snprintf(row.signer, sizeof(row.signer), "%s", g->signer);
		cv_now_iso(now);
		r = cv_db_grants_insert(v, &row, now);
	}
	cv_db_grant_release(&row);
	return r;
}

/* The statement's fields into g: 0, or -1 when it is not a grant of this vault as the row says. */
static int statement_parse(cv_vault *v, const cv_db_grant *row, cv_grant *g)
{
	json_t *j = json_loads(row->statement, 0, NULL);
	const char *fmt = NULL, *vault = NULL, *staff = NULL, *role = NULL, *sec = NULL, *fpr = NULL,
		*rev = NULL, *signer = NULL;
	json_int_t seq = 0, uid = -1;
	int ok;

	memset(g, 0, sizeof(*g));
	ok = j && !json_unpack(j, "{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "format", &fmt,
			       "vault", &vault, "seq", &seq, "staff", &staff, "role", &role, "sections", &sec,
			       "fpr", &fpr, "os_uid", &uid, "revoked", &rev, "signer", &signer);
	ok = ok && !strcmp(fmt, GRANT_FORMAT) && !strcmp(vault, v->vault_id) && seq == row->seq &&
	     !strcmp(staff, row->staff_id) && !strcmp(fpr, row->fpr) && !strcmp(signer, row->signer);
	if (ok) {
		g->seq = (long)seq;
		g->os_uid = (long)uid;
		g->sections = sections_parse(sec);
		snprintf(g->staff, sizeof(g->staff), "%s", staff);
		snprintf(g->role, sizeof(g->role), "%s", role);
		snprintf(g->fpr, sizeof(g->fpr), "%s", fpr);
		snprintf(g->revoked, sizeof(g->revoked), "%s", rev);
		snprintf(g->signer, sizeof(g->signer), "%s", signer);
		cv_anchor_digest(row->statement, g->digest);
	}
	json_decref(j);
	return ok ? 0 : -1;
}

/* One grant row on its own: its signature by the key it names as signer, and its statement. */
static int grant_check(cv_vault *v, const cv_db_grant *row, cv_grant *g)
{
	char *by = NULL;
	int r, same;

	r = cv_gpg_verify_detached(v, row->statement, strlen(row->statement), row->sig, strlen(row->sig), &by);
	/*
	 * gpg could not make the check (it did not start, a pipe or the disk
	 * failed): nothing is known of the grant, so nothing may be decided on
	 * it.  Taken for a forged grant, a revocation would skip signing it and
	 * a rotation would leave its holder without a keyslip
	 * (docs/architecture.md, Signed grants; docs/recovery.md, Fault injection).
	 */
	if (r < 0 && r != CV_ECORRUPT)
		return r;
	same = r == 0 && by && !strcmp(by, row->signer);
	free(by);
	if (!same)
		return cv_error(v, CV_ECORRUPT, "the grant of %s (number %ld) is not signed by the key it names "
				"(altered or forged)", row->staff_id, row->seq);
	if (statement_parse(v, row, g) < 0)
		return cv_error(v, CV_ECORRUPT, "the grant of %s (number %ld) does not match its row or this vault "
				"(altered or copied)", row->staff_id, row->seq);
	return 0;
}

/* The signer is the anchor, or a manager whose newest grant holds and is in force. */
static int signer_valid(cv_vault *v, const char *signer, const char *whose, int depth)
{
	cv_db_grant row;
	cv_grant g;
	int r;

	if (v->anchor_fpr[0] && !strcmp(signer, v->anchor_fpr))
		return 0;
	if (depth >= CHAIN_MAX)
		return cv_error(v, CV_ECORRUPT, "the grant of %s rests on a chain of signers that never reaches "
				"the vault's anchor", whose);
	if ((r = cv_db_grants_latest_by_fpr(v, signer, &row)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ECORRUPT, "the grant of %s is signed by a key that holds no grant", whose);
	r = grant_check(v, &row, &g);
	cv_db_grant_release(&row);
	if (r < 0)
		return r;
	if (strcmp(g.role, "manager") || g.revoked[0])
		return cv_error(v, CV_ECORRUPT, "the grant of %s is signed by %s, who is not a manager in force", whose, g.staff);
	return signer_valid(v, g.signer, whose, depth + 1);
}

int cv_grants_current(cv_vault *v, const char *id, cv_grant *g)
{
	cv_db_grant row;
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = cv_db_grants_latest(v, id, &row)) < 0)
		return r;
	if (r == 0)
		return cv_error(v, CV_ENOTFOUND, "staff member %s holds no signed grant", id);
	r = grant_check(v, &row, g);
	cv_db_grant_release(&row);
	if (r < 0)
		return r;
	return signer_valid(v, g->signer, id, 0);
}

int cv_grants_slip_mask(cv_vault *v, const char *id, const char *fpr, int mask, int *out, cv_grant *gp)
{
	char why[sizeof(v->errmsg)];
	cv_grant g;
	int r;

	*out = 0;
	if ((r = cv_grants_current(v, id, &g)) == CV_ENOTFOUND || r == CV_ECORRUPT) {
		snprintf(why, sizeof(why), "%s", v->errmsg);
		cv_notice(v, "no keyslip written for %s: %s; run 'casevault verify'", id, why);
		return 0;
	}
	if (r < 0)
		return r;
	if (g.revoked[0] || strcmp(g.fpr, fpr)) {
		cv_notice(v, "no keyslip written for %s: %s; run 'casevault verify'", id,
			  g.revoked[0] ? "their grant is revoked" : "the key in their staff row is not the one granted");
		return 0;
	}
	*out = mask & g.sections;
	*gp = g;
	return 0;
}

int cv_grants_pin_anchor(cv_vault *v, int mask)
{
	char key[32], mac[65];
	int s, r;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(mask & (1 << s)) || !v->mkey[s])
			continue;
		if (cv_anchor_mac(v->mkey[s], v->vault_id, v->anchor_fpr, mac) < 0)
			return cv_error(v, CV_ERROR, "cannot start HMAC");
		snprintf(key, sizeof(key), "anchor.mac.%s", cv_section_name(s));
		if ((r = cv_db_meta_set(v, key, mac, 1, "pin the grants' anchor")) < 0)
			return r;
	}
	return cv_grants_record_anchor(v);
}

int cv_grants_record_anchor(cv_vault *v)
{
	char have[48];
	int r = 0;

	if (!v->anchor_fpr[0] || (r = cv_db_meta_get(v, "anchor.fpr", have, sizeof(have))) < 0)
		return v->anchor_fpr[0] ? r : 0;
	return strcmp(have, v->anchor_fpr) ? cv_db_meta_set(v, "anchor.fpr", v->anchor_fpr, 1, "record the anchor") : 0;
}

/* A keyless actor borrows the anchor and vault id the last key holder recorded: 1 when borrowed. */
static int borrow_anchor(cv_vault *v)
{
	int r;

	if (v->anchor_fpr[0])
		return 0;
	if ((r = cv_db_meta_get(v, "anchor.fpr", v->anchor_fpr, sizeof(v->anchor_fpr))) < 0 ||
	    (r == 1 && (r = cv_db_meta_get(v, "vault.id", v->vault_id, sizeof(v->vault_id))) < 0))
		return r;
	if (r == 0) {
		v->anchor_fpr[0] = '\0';
		return cv_error(v, CV_EREFUSED, "no key holder has recorded the grants' anchor yet");
	}
	return 1;
}

int cv_grants_vouch(cv_vault *v, const char *fpr, int mask)
{
	cv_db_grant row;
	cv_grant g;
	int r, borrowed;

	if ((borrowed = borrow_anchor(v)) < 0)
		return borrowed;
	if ((r = cv_db_grants_latest_by_fpr(v, fpr, &row)) == 0)
		r = cv_error(v, CV_ECORRUPT, "signed by a key that holds no grant");
	if (r > 0) {
		r = grant_check(v, &row, &g);
		cv_db_grant_release(&row);
	}
	if (r == 0 && (g.revoked[0] || (g.sections & mask) != mask))
		r = cv_error(v, CV_ECORRUPT, "signed by %s, whose grant %s", g.staff,
			     g.revoked[0] ? "is revoked" : "does not include the section");
	if (r == 0)
		r = signer_valid(v, g.signer, g.staff, 0);
	if (borrowed)
		v->anchor_fpr[0] = v->vault_id[0] = '\0';
	return r;
}

int cv_grants_vault_id(cv_vault *v)
{
	int r;

	if ((r = cv_db_meta_get(v, "vault.id", v->vault_id, sizeof(v->vault_id))) != 0)
		return r < 0 ? r : 0;
	cv_anchor_new_id(v->vault_id);
	return cv_db_meta_set(v, "vault.id", v->vault_id, 0, "record the vault's id");
}

/* The vault id and every section key the keyslip holds agree with the anchor it names. */
static int anchor_agrees(cv_vault *v)
{
	char key[32], want[65], have[65];
	int s, r;

	if ((r = cv_db_meta_get(v, "vault.id", have, sizeof(have))) < 0)
		return r;
	if (!r || strcmp(have, v->vault_id))
		return cv_error(v, CV_ECORRUPT, "your keyslip names another vault than this index (a copied keyslip "
				"or an altered index); nothing was unlocked");
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!v->mkey[s])
			continue;
		snprintf(key, sizeof(key), "anchor.mac.%s", cv_section_name(s));
		if ((r = cv_db_meta_get(v, key, have, sizeof(have))) < 0)
			return r;
		if (cv_anchor_mac(v->mkey[s], v->vault_id, v->anchor_fpr, want) < 0)
			return cv_error(v, CV_ERROR, "cannot start HMAC");
		if (!r || strcmp(have, want))
			return cv_error(v, CV_ECORRUPT, "the grants' anchor your keyslip names does not agree with the vault's "
					"%s key (a forged keyslip or an altered index); nothing was unlocked; see docs/security.md",
					cv_section_name(s));
	}
	return 0;
}

/*
 * The grants the keyslip expects are there.  A keyslip without an anchor
 * passes only while the vault has no grants at all (grants_upgrade.h); one
 * with an anchor names the newest grant when it was written, and none up to
 * it may be gone: the newest ones (a revocation) cannot be rolled back.
 */
static int grants_expected(cv_vault *v)
{
	long n, max;
	int r;

	if ((r = cv_db_grants_count(v, &n, &max)) < 0)
		return r;
	if (!v->anchor_fpr[0] && n)
		return cv_error(v, CV_ECORRUPT, "your keyslip names no grants' anchor but this vault's grants are signed "
				"(an outdated or forged keyslip); nothing was unlocked");
	if (max < v->grants_seen)
		return cv_error(v, CV_ECORRUPT, "signed grants were deleted from the index (your keyslip was written "
				"when there were %ld); nothing was unlocked; restore vault.db from a backup", v->grants_seen);
	return 0;
}

/*
 * The actor's grant.  Their keyslip names the grant its writer verified
 * (signature and signers, with gpg) when writing it; every change of a
 * signer's standing rewrites every keyslip (a revocation's rotation), so
 * while the newest grant is that one, the unlock need not run gpg again.
 * Otherwise the full check.
 */
static int actor_grant(cv_vault *v, cv_grant *g)
{
	cv_db_grant row;
	char seen[96];
	int r;

	if ((r = cv_db_grants_latest(v, v->actor, &row)) <= 0)
		return cv_grants_current(v, v->actor, g);
	cv_anchor_digest(row.statement, seen + snprintf(seen, 16, "%ld ", row.seq));
	r = strcmp(seen, v->slip_grant) ? 1 : statement_parse(v, &row, g);
	cv_db_grant_release(&row);
	return r ? cv_grants_current(v, v->actor, g) : 0;
}

int cv_grants_check_actor(cv_vault *v)
{
	cv_grant g;
	cv_role rl;
	int r, s, held = 0;

	if ((r = grants_expected(v)) < 0 || !v->anchor_fpr[0])
		return r;
	if ((r = anchor_agrees(v)) < 0 || (r = actor_grant(v, &g)) < 0)
		return r;
	if (g.revoked[0])
		return cv_error(v, CV_EREFUSED, "staff member %s's grant was revoked on %s; they may not act", v->actor, g.revoked);
	if (strcmp(g.fpr, v->actor_fpr) || strcmp(g.role, v->actor_role))
		return cv_error(v, CV_ECORRUPT, "the staff row of %s disagrees with their signed grant (%s); the index was "
				"altered: nothing was unlocked; a manager runs 'casevault verify'", v->actor,
				strcmp(g.fpr, v->actor_fpr) ? "another key" : "another role");
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (v->mkey[s] && !(g.sections & (1 << s))) {
			cv_keymem_free(v->mkey[s], CV_KEY_LEN);  /* a key their grant does not give them */
			v->mkey[s] = NULL;
		}
		if (v->mkey[s])
			held |= 1 << s;
	}
	/*
	 * Whoever holds a section key can make a keyslip for themselves naming
	 * an anchor of their own; what they cannot make is a key they lack, so a
	 * role is believed only with every key it goes with (docs/security.md).
	 */
	if (cv_role_parse(&rl, g.role) < 0 || (cv_role_sections(rl) & ~held))
		return cv_error(v, CV_ECORRUPT, "the grant of %s names the role %s without the keys it goes with (a forged "
				"keyslip or grant); nothing was unlocked; a manager runs 'casevault verify'", v->actor, g.role);
	v->role = (int)rl;
	return 0;
}

struct verify_walk {
	cv_vault *v;
	void (*fn)(void *hook, const char *what, const char *msg);
	void *hook;
};

/* What in id's staff row differs from their grant, as words ("" when nothing). */
static void row_differs(const cv_grant *g, const char *role, const char *fpr, long os_uid, int revoked,
			char *out, size_t len)
{
	out[0] = '\0';
	if (strcmp(g->role, role))
		snprintf(out, len, "role %s, granted %s", role, g->role);
	else if (strcmp(g->fpr, fpr))
		snprintf(out, len, "its key is not the one granted");
	else if (g->os_uid != os_uid)
		snprintf(out, len, "OS user %ld, granted %ld", os_uid, g->os_uid);
	else if (!!g->revoked[0] != !!revoked)
		snprintf(out, len, "%s", revoked ? "revoked, but its grant is in force" : "in force, but its grant is revoked");
}

static int verify_row(void *hook, const char *id, const char *role, const char *fpr, long os_uid, int revoked)
{
	struct verify_walk *w = hook;
	char msg[sizeof(w->v->errmsg) + 64], diff[128];
	cv_grant g;
	int r = cv_grants_current(w->v, id, &g);

	if (r == CV_ENOTFOUND && revoked)
		return 0;
	if (r == CV_ENOTFOUND)
		snprintf(msg, sizeof(msg), "staff member %s has no signed grant (a row added or changed by editing the "
			 "index, or its grant deleted): no keyslip is written to them", id);
	else if (r < 0)
		snprintf(msg, sizeof(msg), "%s", w->v->errmsg);
	else {
		row_differs(&g, role, fpr, os_uid, revoked, diff, sizeof(diff));
		if (!diff[0])
			return 0;
		snprintf(msg, sizeof(msg), "the staff row of %s disagrees with their signed grant (%s): the index was "
			 "altered; their grant decides", id, diff);
	}
	w->fn(w->hook, id, msg);
	return 0;
}

void cv_grants_verify(cv_vault *v, void (*fn)(void *hook, const char *what, const char *msg), void *hook)
{
	struct verify_walk w = { v, fn, hook };
	char msg[160];
	long n = 0, max = 0;

	if (cv_db_grants_count(v, &n, &max) < 0)
		return;
	if (!v->anchor_fpr[0]) {
		fn(hook, "grants", n ? "grants not checked: your keyslip names no anchor (outdated or forged keyslip)" :
		   "grants not yet signed: the next unlock by a manager signs them; until then no keyslip is written");
		return;
	}
	if (n != max) {
		snprintf(msg, sizeof(msg), "%ld of the %ld signed grants are missing from the index (deleted)", max - n, max);
		fn(hook, "grants", msg);
	}
	cv_db_grants_each_staff(v, verify_row, &w);
}
