/*
 * casevault - the vault handle.
 *
 * A vault is a directory (docs/architecture.md, The vault on disk):
 *   vault.db       SQLite index (WAL), 0600
 *   gnupg/         the vault's own GNUPGHOME, 0700
 *   archives/      OpenPGP messages, one per archive, neutral names
 *   certificates/  certificates of destruction
 *   policies/      the policy files this vault runs under
 *
 * Every function returns 0 or a negative CV_E* code (common.h); after a
 * failure cv_vault_errmsg() says what went wrong in one line that contains
 * no secret and no personal data.  The library never prints or exits.
 */
#ifndef CASEVAULT_VAULT_H
#define CASEVAULT_VAULT_H

#include "common.h"

typedef struct cv_vault cv_vault;

/*
 * Asked for a staff member's passphrase.  Write at most bufsize-1 bytes and
 * a NUL into buf; return 0, or non-zero to give up.  prev_was_bad is set when
 * the previous answer was wrong.  Without a callback gpg-agent asks through
 * pinentry (and may answer from its cache).
 */
typedef int (*cv_passphrase_cb)(void *hook, const char *staff_id, int prev_was_bad,
				char *buf, size_t bufsize);

/* Options for cv_vault_init. */
typedef struct {
	const char *policy_dir;    /* policies to copy in; NULL = built-in default */
	const char *staff_name;    /* display name of the first manager (sealed) */
	int no_passphrase;         /* test/demo vaults only: unprotected staff key */
	const char *policy_version; /* confidentiality policy the manager agrees to; NULL = "1" */
	long idle_seconds;         /* idle lock: passphrase cache time, 0 = 600 (ten minutes) */
	int test_clock;            /* test vaults only: $CASEVAULT_TODAY may set today's date */
} cv_init_opts;

/* Library set-up; call once before anything else.  0 or CV_ERROR. */
int cv_global_init(void);

/*
 * cv_global_init with flags.  Without CV_INIT_GPGCONF, GPGME is told not to
 * run gpgconf (and so gpgsm) to find the GnuPG programs: gpg is found on
 * PATH, and every command starts about 8 ms sooner.  cv_vault_forget needs
 * gpgconf to find gpg-agent's socket, so a process that calls it must be
 * initialised with CV_INIT_GPGCONF before anything else.  The first call
 * decides; later calls return 0 and change nothing.
 */
#define CV_INIT_GPGCONF 1u
int cv_global_init_ex(unsigned flags);

/*
 * For a parent that forks processes which use the library (casevaultd):
 * GPGME's set-up with gpgconf allowed, and the GnuPG programs' versions
 * learnt now, so that no child runs gpg --version again.  Call it before
 * any cv_global_init_ex in the process; each child still calls
 * cv_global_init_ex (libgcrypt's secure memory is per process).  0, or
 * CV_ERROR when GPGME or gpg cannot be started (children then try again).
 */
int cv_global_warm(void);

/*
 * 1 when GPGME in this process may run gpgconf already (cv_global_warm, or
 * a first cv_global_init_ex with CV_INIT_GPGCONF): a front end then has
 * nothing to decide before it starts (cv_vault_revoke_pending), else 0.
 */
int cv_global_gpgconf(void);

/*
 * 1 when the vault at path holds a revocation a crash left unfinished (the
 * revoked person's secret key still to delete, docs/recovery.md, An
 * interrupted revocation), else 0, also when path holds no readable vault.
 * It only reads the index and may be called before cv_global_init_ex: a
 * front end initialises with CV_INIT_GPGCONF when it says 1, and opening
 * the vault then finishes the revocation.
 */
int cv_vault_revoke_pending(const char *path);

/*
 * Create a new vault at path (which must not exist or be an empty
 * directory) with one manager.  The passphrase for the manager's new key
 * comes from cb (or pinentry).  On success *out is an open, unlocked handle.
 * CV_EEXISTS when a vault is already there.
 */
int cv_vault_init(cv_vault **out, const char *path, const cv_init_opts *opts,
		  cv_passphrase_cb cb, void *hook);

/*
 * Open an existing vault.  Finishes or rolls back an operation a crash
 * interrupted (when no other process holds the vault).  CV_ENOTFOUND when
 * path holds no vault.
 */
int cv_vault_open(cv_vault **out, const char *path);

/*
 * The work a command leaves for after its output: a reader's routine audit
 * checkpoint, signed while its key is still unlocked (docs/architecture.md,
 * The audit trail).  A front end calls it once the person has their answer;
 * cv_vault_close calls it if nobody did.  Its notices (cv_vault_notice) are
 * the only trace of a failure.  Accepts NULL.
 */
void cv_vault_finish(cv_vault *v);

/*
 * 1 when a handle opened earlier and not used since is still what opening
 * the vault now would give: nobody committed to the index or the key store,
 * nor replaced them, the audit trail's head or the policy files, since
 * cv_vault_open began, and that was at most max_age seconds ago.  Else 0:
 * close it and open the vault afresh.  casevaultd opens a worker's vault
 * before its request comes (docs/service.md, Speed).
 */
int cv_vault_current(cv_vault *v, long max_age);

/* Close and wipe every key held in memory (after cv_vault_finish).  Accepts NULL. */
void cv_vault_close(cv_vault *v);

/* The message of the last failure on v ("" if none). */
const char *cv_vault_errmsg(const cv_vault *v);
/* 1 for a test vault (init --test-clock): $CASEVAULT_TODAY sets its today. */
int cv_vault_test_clock(const cv_vault *v);
/*
 * The policy the vault works under (its own policies/, or the last good
 * one when those files are broken): owned by v, valid until it is closed.
 */
const struct cv_policy *cv_vault_policy(const cv_vault *v);
/* Informational notes collected since open (e.g. crash recovery), or "". */
const char *cv_vault_notice(const cv_vault *v);

void cv_vault_set_passphrase_cb(cv_vault *v, cv_passphrase_cb cb, void *hook);

/*
 * Choose the staff member acting.  NULL = the staff member registered for
 * this OS user.  CV_ENOTFOUND / CV_EREFUSED (revoked).
 */
int cv_vault_set_actor(cv_vault *v, const char *staff_id);
/*
 * The OS user on whose behalf this handle acts, for a service whose client
 * is another account than the process (docs/service.md): the staff member
 * registered for that uid is then the default actor, and the only one who
 * keeps gpg-agent's cache.  Call before cv_vault_set_actor; without it the
 * process's own uid (getuid) is used.
 */
void cv_vault_set_os_uid(cv_vault *v, long uid);
/*
 * A service vouches that staff_id proved their passphrase in a session it
 * keeps (casevaultd's web sessions: docs/web.md, Who acts): while that
 * person acts on this handle, gpg-agent's cache of their key serves their
 * proof and their signatures, as it does for the person registered for the
 * OS user acting, instead of being forgotten first.
 */
void cv_vault_vouch(cv_vault *v, const char *staff_id);
/*
 * Prove the actor holds their key: with a keyslip, its unlock
 * (cv_vault_unlock); without one (a volunteer, an auditor), a signature with
 * the key their grant names.  A wrong passphrase counts towards the
 * lock-out (the slip cache's bad).  0, CV_EBADPASS, CV_EREFUSED.
 */
int cv_vault_prove(cv_vault *v);
const char *cv_vault_actor(const cv_vault *v);

/*
 * Unlock the section master keys the actor may hold: one operation with the
 * actor's secret key (a single keyslip).  Idempotent.  CV_EBADPASS on a
 * wrong passphrase.
 */
int cv_vault_unlock(cv_vault *v);

/* Make gpg-agent forget cached passphrases for this vault now. */
int cv_vault_forget(cv_vault *v);
/* Set the idle lock: how long an unlock is remembered (managers only). */
int cv_vault_set_idle(cv_vault *v, long seconds);

const char *cv_vault_path(const cv_vault *v);

#endif
