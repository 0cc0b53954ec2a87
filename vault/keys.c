/*
 * casevault - keyslips, section master keys, archive key wrapping.
 *
 * Each section (case, cp) has a random 256-bit master key.  It exists on
 * disk only inside keyslips: OpenPGP messages, public-key encrypted to one
 * staff member's key, holding the master keys that person's role allows:
 *
 *     casevault-keyslip 1
 *     case <64 hex>
 *     cp <64 hex>
 *
 * One keyslip per person, so unlocking costs one secret-key operation.
 * Archive keys are wrapped as OpenPGP symmetric messages whose passphrase is
 * the section master key in hex: recoverable with stock gpg (docs/recovery.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "internal.h"

static int to_hex(const unsigned char *k, char out[CV_KEY_HEX + 1])
{
	int i;

	for (i = 0; i < CV_KEY_LEN; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
	out[CV_KEY_HEX] = '\0';
	return 0;
}

static int from_hex(const char *s, size_t len, unsigned char *k)
{
	size_t i;

	if (len != CV_KEY_HEX)
		return -1;
	for (i = 0; i < CV_KEY_LEN; i++) {
		unsigned int b;
		char t[3] = { s[2 * i], s[2 * i + 1], 0 };
		if (!strchr("0123456789abcdef", t[0]) || !strchr("0123456789abcdef", t[1]) ||
		    sscanf(t, "%2x", &b) != 1)
			return -1;
		k[i] = (unsigned char)b;
	}
	return 0;
}

int cv_keys_check_mac(const unsigned char *key, char out[65])
{
	unsigned char d[32];
	gcry_md_hd_t h;
	int i;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE))
		return -1;
	gcry_md_setkey(h, key, CV_KEY_LEN);
	gcry_md_write(h, "casevault/check/v1", 18);
	memcpy(d, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[64] = '\0';
	return 0;
}

void cv_keys_wipe(cv_vault *v)
{
	int s;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (v->mkey[s]) {
			explicit_bzero(v->mkey[s], CV_KEY_LEN);
			gcry_free(v->mkey[s]);
			v->mkey[s] = NULL;
		}
	}
	v->unlocked = 0;
}

/* Build the keyslip text for the sections in mask from the keys in memory. */
static int slip_text(cv_vault *v, int mask, char **out, size_t *len, char *sections, size_t slen)
{
	char *t = gcry_malloc_secure(256), hex[CV_KEY_HEX + 1];
	size_t n;
	int s;

	if (!t)
		return cv_error(v, CV_ERROR, "out of secure memory");
	n = (size_t)snprintf(t, 256, "casevault-keyslip 1\n");
	sections[0] = '\0';
	for (s = 0; s < CV_SECTION_COUNT; s++) {
		if (!(mask & (1 << s)))
			continue;
		if (!v->mkey[s]) {
			gcry_free(t);
			return cv_error(v, CV_EREFUSED, "cannot grant the %s section: it is not unlocked", cv_section_name(s));
		}
		to_hex(v->mkey[s], hex);
		n += (size_t)snprintf(t + n, 256 - n, "%s %s\n", cv_section_name(s), hex);
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
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = slip_text(v, mask, &text, &tlen, sections, sizeof(sections))) < 0)
		return r;
	r = cv_gpg_pk_encrypt_mem(v, fpr, text, tlen, &slip, &slen);
	explicit_bzero(text, tlen);
	gcry_free(text);
	if (r < 0)
		return r;
	cv_now_iso(now);
	if ((r = cv_index_prepare(v, &st,
		"INSERT OR REPLACE INTO keyslips(staff_id, generation, sections, slip, created) VALUES(?,?,?,?,?)")) < 0)
		goto out;
	sqlite3_bind_text(st, 1, staff_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, gen);
	sqlite3_bind_text(st, 3, sections, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, slip, (int)slen, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = cv_index_dberr(v, "store a keyslip");
out:
	sqlite3_finalize(st);
	cv_gpg_free(slip);
	return r;
}

int cv_keys_create_sections(cv_vault *v, const char *staff_id, const char *fpr, int mask)
{
	sqlite3_stmt *st = NULL;
	char mac[65];
	int s, r;

	for (s = 0; s < CV_SECTION_COUNT; s++) {
		v->mkey[s] = gcry_malloc_secure(CV_KEY_LEN);
		if (!v->mkey[s])
			return cv_error(v, CV_ERROR, "out of secure memory");
		gcry_randomize(v->mkey[s], CV_KEY_LEN, GCRY_VERY_STRONG_RANDOM);
		v->mkey_gen[s] = 1;
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_index_prepare(v, &st,
			"INSERT INTO section_keys(section, generation, check_mac) VALUES(?, 1, ?)")) < 0)
			return r;
		sqlite3_bind_text(st, 1, cv_section_name(s), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, "store a section key check");
		sqlite3_finalize(st);
		if (r < 0)
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
	sqlite3_stmt *st = NULL;

	if (len < 20 || strncmp(text, "casevault-keyslip 1\n", 20))
		return cv_error(v, CV_ECORRUPT, "a keyslip is not in casevault's format");
	for (line = strtok_r(text + 20, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		cv_section sec;

		if (!sp)
			continue;
		*sp = '\0';
		if (cv_section_parse(&sec, line) < 0)
			continue;
		s = (int)sec;
		if (!v->mkey[s] && !(v->mkey[s] = gcry_malloc_secure(CV_KEY_LEN)))
			return cv_error(v, CV_ERROR, "out of secure memory");
		if (from_hex(sp + 1, strlen(sp + 1), v->mkey[s]) < 0)
			return cv_error(v, CV_ECORRUPT, "a keyslip holds a malformed key");
		cv_keys_check_mac(v->mkey[s], mac);
		if ((r = cv_index_prepare(v, &st, "SELECT generation FROM section_keys WHERE section = ? AND check_mac = ?")) < 0)
			return r;
		sqlite3_bind_text(st, 1, cv_section_name(s), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, mac, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			explicit_bzero(v->mkey[s], CV_KEY_LEN);
			gcry_free(v->mkey[s]);
			v->mkey[s] = NULL;
			return cv_error(v, CV_ECORRUPT, "a keyslip holds a key that does not match the vault (outdated or tampered keyslip)");
		}
		v->mkey_gen[s] = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		got++;
	}
	if (!got)
		return cv_error(v, CV_ECORRUPT, "a keyslip holds no key");
	return 0;
}

int cv_keys_unlock(cv_vault *v)
{
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	size_t tlen = 0;
	int r;

	if (v->unlocked)
		return 0;
	if (!v->actor[0])
		return cv_error(v, CV_EREFUSED, "no staff member is acting; pass --as STAFF-ID");
	if ((r = cv_index_prepare(v, &st,
		"SELECT slip FROM keyslips WHERE staff_id = ? ORDER BY generation DESC LIMIT 1")) < 0)
		return r;
	sqlite3_bind_text(st, 1, v->actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cv_error(v, CV_EREFUSED, "staff member %s holds no keyslip; ask a manager to grant access", v->actor);
	}
	r = cv_gpg_pk_decrypt_mem(v, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &text, &tlen);
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	{
		/* gpg's output is not a C string: parse a NUL-terminated copy in secure memory */
		char *copy = gcry_malloc_secure(tlen + 1);

		if (copy) {
			memcpy(copy, text, tlen);
			copy[tlen] = '\0';
		}
		explicit_bzero(text, tlen);
		cv_gpg_free(text);
		if (!copy)
			return cv_error(v, CV_ERROR, "out of secure memory");
		r = load_slip(v, copy, tlen);
		explicit_bzero(copy, tlen + 1);
		gcry_free(copy);
	}
	if (r < 0) {
		cv_keys_wipe(v);
		return r;
	}
	v->unlocked = 1;
	return 0;
}

int cv_require_key(cv_vault *v, cv_section s)
{
	int r;

	if ((r = cv_vault_unlock(v)) < 0)
		return r;
	if (!v->mkey[s])
		return cv_error(v, CV_EREFUSED, "staff member %s may not use the %s section", v->actor,
				s == CV_SECTION_CP ? "child-protection" : "case");
	return 0;
}

/*
 * Archive keys are wrapped in-process, in a form a person can undo with the
 * sqlite3 shell and bash alone (docs/recovery.md):
 *
 *     wrapped = "cvkw1:" NONCE ":" hex(K xor SHA3-256(MASTER || NONCE))
 *
 * where MASTER and NONCE are the lower-case hex strings of the section
 * master key and a random 256-bit nonce, and K is the archive key.  The
 * nonce is never reused, so the SHA3 output is a one-time pad; SHA3 has no
 * length extension, so a key-prefixed hash is a sound PRF.  Deleting the
 * wrapped value (the purge) leaves nothing that derives K; rotating the
 * master key re-wraps every K without touching an archive or starting a
 * process.  The archive itself stays an OpenPGP message (GPGME).
 */
#define WRAP_TAG "cvkw1:"

static int wrap_mask(cv_vault *v, cv_section s, const char *nonce_hex, unsigned char mask[32])
{
	char mhex[CV_KEY_HEX + 1];
	gcry_md_hd_t h;

	to_hex(v->mkey[s], mhex);
	if (gcry_md_open(&h, GCRY_MD_SHA3_256, GCRY_MD_FLAG_SECURE)) {
		explicit_bzero(mhex, sizeof(mhex));
		return cv_error(v, CV_ERROR, "cannot start SHA3-256");
	}
	gcry_md_write(h, mhex, CV_KEY_HEX);
	gcry_md_write(h, nonce_hex, CV_KEY_HEX);
	memcpy(mask, gcry_md_read(h, GCRY_MD_SHA3_256), 32);
	gcry_md_close(h);
	explicit_bzero(mhex, sizeof(mhex));
	return 0;
}

int cv_keys_wrap(cv_vault *v, cv_section s, const char *key_hex, char **wrapped, int *gen)
{
	unsigned char k[CV_KEY_LEN], mask[32], nonce[CV_KEY_LEN];
	char nonce_hex[CV_KEY_HEX + 1], c_hex[CV_KEY_HEX + 1];
	int r, i;

	*wrapped = NULL;
	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (strlen(key_hex) != CV_KEY_HEX || from_hex(key_hex, CV_KEY_HEX, k) < 0)
		return cv_error(v, CV_EINVAL, "an archive key is malformed");
	gcry_randomize(nonce, sizeof(nonce), GCRY_STRONG_RANDOM);
	to_hex(nonce, nonce_hex);
	if ((r = wrap_mask(v, s, nonce_hex, mask)) < 0) {
		explicit_bzero(k, sizeof(k));
		return r;
	}
	for (i = 0; i < CV_KEY_LEN; i++)
		k[i] ^= mask[i];
	to_hex(k, c_hex);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(mask, sizeof(mask));
	if (asprintf(wrapped, WRAP_TAG "%s:%s", nonce_hex, c_hex) < 0) {
		*wrapped = NULL;
		return cv_error(v, CV_ERROR, "out of memory");
	}
	*gen = v->mkey_gen[s];
	return 0;
}

int cv_keys_unwrap(cv_vault *v, cv_section s, int gen, const char *wrapped,
		   char out_hex[CV_KEY_HEX + 1])
{
	unsigned char k[CV_KEY_LEN], mask[32];
	char nonce_hex[CV_KEY_HEX + 1];
	size_t tl = strlen(WRAP_TAG);
	int r, i;

	if ((r = cv_require_key(v, s)) < 0)
		return r;
	if (gen != v->mkey_gen[s])
		return cv_error(v, CV_ECORRUPT, "an archive key was wrapped under an older master key");
	if (!wrapped || strlen(wrapped) != tl + 2 * CV_KEY_HEX + 1 || strncmp(wrapped, WRAP_TAG, tl) ||
	    wrapped[tl + CV_KEY_HEX] != ':' || from_hex(wrapped + tl + CV_KEY_HEX + 1, CV_KEY_HEX, k) < 0)
		return cv_error(v, CV_ECORRUPT, "an archive key in the index is damaged");
	memcpy(nonce_hex, wrapped + tl, CV_KEY_HEX);
	nonce_hex[CV_KEY_HEX] = '\0';
	if (from_hex(nonce_hex, CV_KEY_HEX, mask) < 0)
		return cv_error(v, CV_ECORRUPT, "an archive key in the index is damaged");
	if ((r = wrap_mask(v, s, nonce_hex, mask)) < 0)
		return r;
	for (i = 0; i < CV_KEY_LEN; i++)
		k[i] ^= mask[i];
	to_hex(k, out_hex);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(mask, sizeof(mask));
	return 0;
}
