/*
 * casevault - private declarations shared by the library's modules.
 * Nothing here is part of the public API.
 */
#ifndef CV_INTERNAL_H
#define CV_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>
#include <sqlite3.h>
#include <gpgme.h>

#include "casevault/common.h"
#include "casevault/vault.h"
#include "casevault/policy.h"

#define CV_KEY_LEN 32               /* section master and archive keys */
#define CV_KEY_HEX (CV_KEY_LEN * 2)
#define CV_SCHEMA_VERSION 2
#define CV_MAX_VAULT_PATH 80        /* gpg-agent socket paths are short */

typedef struct cv_helper cv_helper;
typedef struct cv_seal_cache cv_seal_cache;

struct cv_vault {
	char *path;
	char *dbpath;
	char *gnupghome;
	char *archdir;
	sqlite3 *db;
	cv_policy *policy;
	int lockfd;                 /* flock on VAULT/.lock, -1 when not held */
	char actor[32];             /* staff id, "" until chosen */
	char actor_fpr[48];
	char actor_role[16];
	int role;                   /* cv_role of the actor */
	int audit_dirty;            /* an event committed with a transaction; anchor pending */
	cv_passphrase_cb pass_cb;
	void *pass_hook;
	/* Unlocked section master keys (gcry secure memory), NULL when not held. */
	unsigned char *mkey[CV_SECTION_COUNT];
	int mkey_gen[CV_SECTION_COUNT];
	int unlocked;
	int proven;                 /* the actor proved their key this command (cv_prove_actor) */
	int policy_fallback;        /* running on the last good policy kept in the index */
	int test_clock;             /* made with init --test-clock: CASEVAULT_TODAY sets today */
	int policy_unadopted;       /* the policy files changed and no manager adopted them (fallback too) */
	/* receipts whose signature this handle has checked (verify meets one per archive) */
	struct cv_receipt_ok { sqlite3_int64 id; char fpr[48]; } *receipt_ok;
	size_t nreceipt_ok;
	cv_seal_cache *seal;        /* seal.c: ready AES-GCM contexts, shared by handle copies */
	cv_helper *helper;          /* a filing writer's encryption helper (helper.c), or NULL */
	char errmsg[512];
	char notice[512];
};

/* seal.c */
int cv_seal_update(cv_vault *v, cv_section s, const char *table, const char *column,
		   sqlite3_int64 id, const char *text, const char *what);
cv_seal_cache *cv_seal_cache_new(void);
void cv_seal_cache_free(cv_seal_cache *c);

/* vault.c */
int cv_error(cv_vault *v, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cv_notice(cv_vault *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cv_vault_lock_writer(cv_vault *v, int wait);
void cv_vault_unlock_writer(cv_vault *v);
/* The files a crashed filing or rewrite left (named in pending); the caller
 * holds the writer lock and has no intents of its own in pending yet. */
int cv_pending_recover(cv_vault *v);
/* Both intent logs, when the writer lock is had within wait_ms; 1 when it was not. */
int cv_vault_recover(cv_vault *v, int wait_ms);
int cv_fsync_dir(const char *dir);
/* "" or, for ENOSPC/EDQUOT, what to do about a full disk (appended to messages) */
const char *cv_disk_hint(int err);
/* util.c: write all of buf (short writes, EINTR); 0 or -1 with errno. */
int cv_write_all(int fd, const void *buf, size_t len);
/* "NFS", "SMB", "9p"...: a statfs f_type where the vault is not safe; NULL for a local one */
const char *cv_network_fs(long f_type);
int cv_random_hex(char *out, size_t nbytes);  /* out gets 2*nbytes hex + NUL */
void cv_now_iso(char out[32]);               /* UTC, seconds, "...Z" */
int cv_require_key(cv_vault *v, cv_section s);

/* gpg.c: every GPGME call lives here. */
typedef struct cv_pass_ctx cv_pass_ctx;
int cv_gpg_home(cv_vault *v);  /* make v's GNUPGHOME the process default */
int cv_gpg_ctx(cv_vault *v, gpgme_ctx_t *out, int armor);
/* Use a fixed secret (an archive or master key) as passphrase, loopback. */
void cv_gpg_use_secret(gpgme_ctx_t ctx, const char *secret);
/* Route passphrase prompts for staff keys through the vault callback. */
void cv_gpg_use_staff_pass(cv_vault *v, gpgme_ctx_t ctx);
int cv_gpg_err(cv_vault *v, gpgme_error_t err, const char *what);
int cv_gpg_pk_encrypt_mem(cv_vault *v, const char *fpr, const void *buf, size_t len,
			  char **out, size_t *outlen);
/* Decrypt with a staff key (a protected-key operation). */
int cv_gpg_pk_decrypt_mem(cv_vault *v, const void *buf, size_t len,
			  char **out, size_t *outlen);
int cv_gpg_sign_detached(cv_vault *v, const char *fpr, const void *buf, size_t len,
			 char **sig, size_t *siglen);
/* Verify; on success *signer_fpr (malloc) names the valid signing key. */
int cv_gpg_verify_detached(cv_vault *v, const void *buf, size_t len,
			   const void *sig, size_t siglen, char **signer_fpr);
int cv_gpg_create_staff_key(cv_vault *v, const char *staff_id, int no_passphrase,
			    char *fpr_out, size_t fprlen);
int cv_gpg_create_staff_key_cb(cv_vault *v, const char *staff_id, int no_passphrase,
			       cv_passphrase_cb cb, void *hook, char *fpr_out, size_t fprlen);
int cv_gpg_delete_key(cv_vault *v, const char *fpr);
int cv_gpg_drop_secret(cv_vault *v, const char *fpr);
int cv_gpg_agent_forget(cv_vault *v);
/* 1 when cv_global_init_ex was given CV_INIT_GPGCONF (GPGME may run gpgconf). */
int cv_gpgconf_enabled(void);
/* staff.c: the actor proves their key (unlock, or a signature if they hold no keyslip) */
int cv_prove_actor(cv_vault *v);  /* gpg-agent forgets cached passphrases */
gpgme_error_t cv_gpg_get_key(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *out, int secret);
void cv_gpg_free(void *p);  /* frees buffers from *_mem (wipes them) */

/* seal.c: encrypted index columns and keyed look-up hashes (libgcrypt). */
int cv_seal(cv_vault *v, cv_section s, const char *ctx, const void *plain, size_t len,
	    unsigned char **out, size_t *outlen);
int cv_seal_str(cv_vault *v, cv_section s, const char *ctx, const char *str,
		unsigned char **out, size_t *outlen);
/* Returns a malloc'd NUL-terminated plaintext. CV_ECORRUPT on a bad tag. */
int cv_unseal(cv_vault *v, cv_section s, const char *ctx, const void *blob, size_t len,
	      char **out, size_t *outlen);
int cv_sha256_hex(const void *buf, size_t len, char out[65]);

/* index.c */
int cv_index_open(cv_vault *v, int create);
int cv_index_exec(cv_vault *v, const char *sql);
int cv_index_prepare(cv_vault *v, sqlite3_stmt **st, const char *sql);
int cv_index_begin(cv_vault *v);
int cv_index_commit(cv_vault *v);
void cv_index_rollback(cv_vault *v);
int cv_index_next_id(cv_vault *v, const char *counter, long *out);
int cv_index_next_ids(cv_vault *v, const char *counter, long count, long *first);  /* a block of ids */
int cv_index_dberr(cv_vault *v, const char *what);

/* record.c: check a receipt's signature (by a staff key) and that it lists file/sha. */
int cv_verify_receipt(cv_vault *v, sqlite3_int64 receipt_id, const char *file, const char *sha);
int cv_verify_receipt_signed(cv_vault *v, sqlite3_int64 receipt_id);  /* signature and signer only */

/* util.c */
int cv_rmtree(const char *path, int keep_top);
void cv_crashpoint(const char *name);

/* keys.c */
int cv_keys_write_slip(cv_vault *v, const char *staff_id, const char *fpr, int mask, int gen);
int cv_keys_create_sections(cv_vault *v, const char *staff_id, const char *fpr, int sections_mask);
int cv_keys_unlock(cv_vault *v);
int cv_keys_wrap(cv_vault *v, cv_section s, const char *key_hex, char **wrapped, int *gen);
int cv_keys_unwrap(cv_vault *v, cv_section s, int gen, const char *wrapped,
		   char out_hex[CV_KEY_HEX + 1]);
void cv_keys_wipe(cv_vault *v);
int cv_keys_check_mac(const unsigned char *key, char out[65]);

/* audit.c: append one event (ids only, never personal data).  Inside a
 * transaction the event commits with it and the anchor follows on commit. */
int cv_audit(cv_vault *v, const char *action, int outcome, const char *ids);
int cv_audit_sync_head(cv_vault *v);
int cv_audit_head(cv_vault *v, long *seq, char hash[65]);

/* case.c: a case without authorisation or audit, for the library's own use */
struct cv_case;
int cv_case_fetch(cv_vault *v, struct cv_case *out, const char *id, int unseal);

/* typecheck.c: the type of a document from its content (libmagic, two stages) */
typedef struct cv_typer cv_typer;
int cv_typer_new(cv_typer **out, char *err, size_t errlen);
void cv_typer_free(cv_typer *t);
const char *cv_typer_mime(cv_typer *t, int fd);
const char *cv_typer_error(const cv_typer *t);

/* staff.c */
int cv_role_sections(int role);  /* bit mask of sections a role's keyslip holds */

/* retention.c, purge.c (issue 4) */
/* After the policy files loaded: keep their text by hash (the last good policy). */
int cv_retention_remember_policy(cv_vault *v);
int cv_retention_check_adopted(cv_vault *v);  /* files changed and not adopted: run on the adopted policy */
/* When they fail to load: fall back to the last good policy; 0 when it did (a notice says so). */
int cv_retention_policy_fallback(cv_vault *v, const char *why);
/* Before a trigger changes: unlock what working out case_id's dates needs. */
int cv_retention_prepare(cv_vault *v, const char *case_id, int closed_known);  /* <0: as stored */
/* Inside the caller's transaction: recompute case_id's dates (NULL = all). */
int cv_retention_recompute_tx(cv_vault *v, const char *case_id, unsigned trig_mask,  /* 1 << cv_trigger; 0 = all */
			      size_t *changed, size_t *pending);
/* Whether an interrupted purge left work (shred intents, missing certificate files). */
int cv_purge_needs_recovery(cv_vault *v);
/* Finish an interrupted purge; the caller holds the writer lock. */
int cv_purge_recover(cv_vault *v);
/* 1 when file is an archive being destroyed (named in the shred intent log). */
int cv_purge_is_shredding(cv_vault *v, const char *file);
/* verify: the certificate chain, files and destruction log; report() per problem. */
int cv_verify_certificates(cv_vault *v, void (*report)(void *hook, const char *what, const char *msg),
			   void *hook, size_t *count);

#endif
