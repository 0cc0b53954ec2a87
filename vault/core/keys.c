/*
 * casevault - keyslips, section master keys, archive key wrapping.
 *
 * Each section (case, cp) has a random 256-bit master key.  It exists on
 * disk only inside keyslips: OpenPGP messages, public-key encrypted to one
 * staff member's key, holding the master keys that person's role allows:
 *
 *     casevault-keyslip 1
 *     vault <32 hex>
 *     anchor <fingerprint>
 *     grants <the newest grant's number when written>
 *     case <64 hex>
 *     cp <64 hex>
 *
 * One keyslip per person, so unlocking costs one secret-key operation.
 * The anchor is the key every signed grant leads back to (core/grants.h):
 * here, a rewrite of the index cannot move it, since a keyslip that holds
 * the real section keys can only be made by someone who holds them
 * (docs/security.md, Signed grants).
 * Archive keys are wrapped as OpenPGP symmetric messages whose passphrase is
 * the section master key in hex: recoverable with stock gpg (docs/recovery.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/hex.h"
#include "base/util.h"
#include "core/grants.h"
#include "core/keys.h"
#include "core/slipcache.h"
#include "crypto/gpg.h"
#include "crypto/keymem.h"
#include "crypto/keywrap.h"
#include "crypto/seal.h"
#include "store/db_grants.h"
#include "store/db_keys.h"

void cv_keys_wipe(cv_vault *v)
{
	int s;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		cv_keymem_free(v->mkey[s], CV_KEY_LEN);
		v->mkey[s] = NULL;
	}
	v->unlocked = 0;
}

#define SLIP_MAX CV_SLIP_TEXT_MAX

/* Build the keyslip text for the sections in mask from the keys in memory. */
static int slip_text(cv_vault *v, int mask, const cv_grant *g, char **out, size_t *len, char *sections, size_t slen)
{
	char *t, hex[CV_KEY_HEX + 1];
	long count, newest;
	size_t n;
	int s;

	if ((s = cv_db_grants_count(v, &count, &newest)) < 0)
		return s;
	if (!(t = cv_keymem_alloc(SLIP_MAX)))
		return cv_error(v, CV_ERROR, "out of secure memory");
	n = (size_t)snprintf(t, SLIP_MAX, "casevault-keyslip 1\nvault %s\nanchor %s\ngrants %ld\ngrant %ld %s\n",
			     v->vault_id, v->anchor_fpr, newest, g->seq, g->digest);
	sections[0] = '\0';
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(mask & (1 << s)))
			continue;
		if (!v->mkey[s]) {
			cv_keymem_free(t, SLIP_MAX);
			return cv_error(v, CV_EREFUSED, "cannot grant the %s section: it is not unlocked", cv_section_name(s));
		}
		cv_hex_encode(v->mkey[s], CV_KEY_LEN, hex);
		n += (size_t)snprintf(t + n, SLIP_MAX - n, "%s %s\n", cv_section_name(s), hex);
		if (sections[0])
			strncat(sections, ",", slen - strlen(sections) - 1);
		strncat(sections, cv_section_name(s), slen - strlen(sections) - 1);
	}
	explicit_bzero(hex, sizeof(hex));
	*out = t;
	*len = n;
	return 0;
}

int cv_keys_write_slip(cv_vault *v, const char *staff_id, const char *fpr, int mask, int gen)
{
	char *text = NULL, *slip = NULL, sections[32], now[32];
	size_t tlen = 0, slen = 0;
	cv_grant g;
	int r;

	/*
	 * Only to the key and sections of a valid signed grant: the staff row
	 * may have been edited (docs/security.md, Signed grants).  Encryption
	 * trusts the key (ALWAYS_TRUST) because the grant named it.
	 */
	if (!v->anchor_fpr[0]) {
		cv_notice(v, "no keyslip written for %s: this vault's grants are not signed yet", staff_id);
		return 0;
	}
	if ((r = cv_grants_slip_mask(v, staff_id, fpr, mask, &mask, &g)) < 0 || !mask)
		return r;
	if ((r = slip_text(v, mask, &g, &text, &tlen, sections, sizeof(sections))) < 0)
		return r;
	r = cv_gpg_pk_encrypt_mem(v, fpr, text, tlen, &slip, &slen);
	cv_keymem_free(text, SLIP_MAX);
	if (r < 0)
		return r;
	cv_now_iso(now);
	r = cv_db_keys_slip_put(v, staff_id, gen, sections, slip, slen, now);
	cv_gpg_free(slip);
	return r < 0 ? r : cv_grants_pin_anchor(v, mask);
}

/* The first manager's grant, signed by their own key: the anchor (the OS user who runs init). */
static int anchor_grant(cv_vault *v, const char *staff_id, const char *fpr, int mask)
{
	cv_grant g;
	int r;

	if ((r = cv_grants_vault_id(v)) < 0)
		return r;
	memset(&g, 0, sizeof(g));
	snprintf(v->anchor_fpr, sizeof(v->anchor_fpr), "%s", fpr);
	snprintf(g.staff, sizeof(g.staff), "%s", staff_id);
	snprintf(g.role, sizeof(g.role), "manager");
	snprintf(g.fpr, sizeof(g.fpr), "%s", fpr);
	g.sections = mask;
	g.os_uid = (long)getuid();
	return cv_grants_sign(v, fpr, &g);
}

int cv_keys_create_sections(cv_vault *v, const char *staff_id, const char *fpr, int mask)
{
	char mac[65];
	int s, r;

	if ((r = anchor_grant(v, staff_id, fpr, mask)) < 0)
		return r;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		v->mkey[s] = cv_keymem_new_key(CV_KEY_LEN);
		if (!v->mkey[s])
			return cv_error(v, CV_ERROR, "out of secure memory");
		v->mkey_gen[s] = 1;
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_db_keys_section_insert(v, cv_section_name(s), mac)) < 0)
			return r;
	}
	v->unlocked = 1;
	return cv_keys_write_slip(v, staff_id, fpr, mask, 1);
}

/* Parse a decrypted keyslip and keep the keys whose check value matches. */
static int load_slip(cv_vault *v, char *text, size_t len)
{
	char *line, *save = NULL, mac[65];
	int s, got = 0, r = 0;

	if (len < 20 || strncmp(text, "casevault-keyslip 1\n", 20))
		return cv_error(v, CV_ECORRUPT, "a keyslip is not in casevault's format");
	for (line = strtok_r(text + 20, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		cv_section sec;

		if (!sp)
			continue;
		*sp = '\0';
		if (!strcmp(line, "grant")) {
			snprintf(v->slip_grant, sizeof(v->slip_grant), "%s", sp + 1);
			continue;
		}
		if (!strcmp(line, "grants")) {
			v->grants_seen = strtol(sp + 1, NULL, 10);
			continue;
		}
		if (!strcmp(line, "vault") || !strcmp(line, "anchor")) {
			/* the keyslip's own words: from before grants, a keyslip has neither (grants.c) */
			if (line[0] == 'v')
				snprintf(v->vault_id, sizeof(v->vault_id), "%s", sp + 1);
			else
				snprintf(v->anchor_fpr, sizeof(v->anchor_fpr), "%s", sp + 1);
			continue;
		}
		if (cv_section_parse(&sec, line) < 0)
			continue;
		s = (int)sec;
		if (!v->mkey[s] && !(v->mkey[s] = cv_keymem_alloc(CV_KEY_LEN)))
			return cv_error(v, CV_ERROR, "out of secure memory");
		if (strlen(sp + 1) != CV_KEY_HEX || cv_hex_decode(sp + 1, CV_KEY_LEN, v->mkey[s]) < 0)
			return cv_error(v, CV_ECORRUPT, "a keyslip holds a malformed key");
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_db_keys_section_match(v, cv_section_name(s), mac, &v->mkey_gen[s])) < 0)
			return r;
		if (!r) {
			cv_keymem_free(v->mkey[s], CV_KEY_LEN);
			v->mkey[s] = NULL;
			return cv_error(v, CV_ECORRUPT, "a keyslip holds a key that does not match the vault (outdated or tampered keyslip)");
		}
		got++;
	}
	if (!got)
		return cv_error(v, CV_ECORRUPT, "a keyslip holds no key");
	return 0;
}

/* gpg's output is not a C string: a NUL-terminated copy in secure memory, the output wiped */
static char *slip_copy(char *text, size_t tlen)
{
	char *copy = cv_keymem_alloc(tlen + 1);

	if (copy) {
		memcpy(copy, text, tlen);
		copy[tlen] = '\0';
	}
	explicit_bzero(text, tlen);
	cv_gpg_free(text);
	return copy;
}

/*
 * The actor's keyslip as text (secure memory, NUL-terminated): from the
 * front end's session (casevaultd, docs/service.md, Sessions), else
 * decrypted by gpg with the actor's passphrase.  *fresh: gpg decrypted it.
 */
static int slip_open(cv_vault *v, const char *slip, size_t slen, const char *slip_id, char **out, size_t *outlen,
		     int *fresh)
{
	char *text = NULL;
	size_t tlen = 0;
	int r;

	*fresh = 0;
	if ((r = cv_slipcache_get(v, slip_id, out, outlen)) != 0)
		return r < 0 ? r : 0;
	v->pass_given = 0;
	if ((r = cv_gpg_pk_decrypt_mem(v, slip, slen, &text, &tlen)) < 0)
		return cv_slipcache_failed(v, r);
	if (!(*out = slip_copy(text, tlen)))
		return cv_error(v, CV_ERROR, "out of secure memory");
	*outlen = tlen;
	*fresh = 1;
	return 0;
}

/* Parse the keyslip text and check the actor's grant; a freshly decrypted one then goes to the session. */
static int slip_use(cv_vault *v, char *text, size_t tlen, const char *slip_id, int fresh)
{
	char *kept = fresh && v->slip_cache ? cv_keymem_alloc(tlen + 1) : NULL;
	int r;

	if (kept)  /* parsing cuts the text up */
		memcpy(kept, text, tlen + 1);
	r = load_slip(v, text, tlen);
	if (r == 0)
		r = cv_grants_check_actor(v);
	if (r == 0 && kept)
		cv_slipcache_put(v, slip_id, kept, tlen);
	cv_keymem_free(kept, tlen + 1);
	return r;
}

int cv_keys_unlock(cv_vault *v)
{
	char *text = NULL, *slip = NULL, slip_id[65];
	size_t tlen = 0, slen = 0;
	int r, fresh = 0;

	if (v->unlocked)
		return 0;
	if (!v->actor[0])
		return cv_error(v, CV_EREFUSED, "no staff member is acting; pass --as STAFF-ID");
	v->anchor_fpr[0] = v->vault_id[0] = '\0';
	v->grants_seen = 0;
	v->slip_grant[0] = '\0';
	r = cv_db_keys_slip_latest(v, v->actor, &slip, &slen);
	if (r == CV_ENOTFOUND)
		return cv_error(v, CV_EREFUSED, "staff member %s holds no keyslip; ask a manager to grant access", v->actor);
	if (r < 0)
		return r;
	if ((r = cv_sha256_hex(slip, slen, slip_id)) == 0)
		r = slip_open(v, slip, slen, slip_id, &text, &tlen, &fresh);
	free(slip);
	if (r < 0)
		return r;
	r = slip_use(v, text, tlen, slip_id, fresh);
	cv_keymem_free(text, tlen + 1);
	if (r < 0) {
		cv_keys_wipe(v);
		return r;
	}
	v->unlocked = 1;
	return 0;
}

/* 1 when every section key in memory is still the vault's current one. */
static int keys_current(cv_vault *v)
{
	char mac[65];
	int s, r, gen;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!v->mkey[s])
			continue;
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_db_keys_section_match(v, cv_section_name(s), mac, &gen)) <= 0)
			return r;
		if (gen != v->mkey_gen[s])
			return 0;
	}
	return 1;
}

int cv_keys_refresh(cv_vault *v)
{
	char why[sizeof(v->errmsg)];
	int r;

	if (!v->unlocked || (r = keys_current(v)) > 0)
		return 0;
	if (r < 0)
		return r;
	/*
	 * A rotation (staff revoke, keys rotate) committed between this
	 * command's unlock and its writer lock.  Sealing or wrapping with the
	 * retired keys would leave rows and archives nobody can open
	 * (docs/architecture.md, Keys): open the caller's new keyslip instead.
	 */
	cv_keys_wipe(v);
	if ((r = cv_keys_unlock(v)) == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", v->errmsg);
	return cv_error(v, r, "the vault's keys were changed by a revoke or rotation while this command waited, "
			"and yours no longer open them (%s); nothing was changed", why);
}

