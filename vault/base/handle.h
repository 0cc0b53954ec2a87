/*
 * casevault - the vault handle's data and its error reporting.
 *
 * Every layer reports into the same handle (its errmsg and notice) and reads
 * the same few facts from it (paths, the open index, the unlocked section
 * keys), as SQLite's layers share one struct sqlite3.  What the handle DOES
 * (open, lock, recover, choose the actor) lives in core/; nothing here calls
 * up.  See docs/architecture.md, Layers.
 */
#ifndef CV_BASE_HANDLE_H
#define CV_BASE_HANDLE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "casevault/common.h"
#include "casevault/vault.h"
#include "casevault/policy.h"
#include "casevault/session.h"

#include "base/handle.h"


#define CV_KEY_LEN 32               /* section master and archive keys */
#define CV_KEY_HEX (CV_KEY_LEN * 2)
#define CV_MAX_VAULT_PATH 80        /* gpg-agent socket paths are short */
#define CV_MAX_COMMIT_HOOKS 8  /* audit head, checkpoint, schedule: several per transaction */
/* Sealing under the schedule key rather than a section's (crypto/seal.c, store/sealed.c). */
#define CV_SEAL_SCHEDULE ((cv_section)CV_SECTION_COUNT)
#define CV_SEAL_KEYS (CV_SECTION_COUNT + 1)

struct sqlite3;
struct cv_objstore;
typedef struct cv_helper cv_helper;
typedef struct cv_seal_cache cv_seal_cache;
typedef struct cv_blind_cache cv_blind_cache;
typedef int (*cv_commit_hook)(cv_vault *v);

struct cv_vault {
	char *path;
	char *dbpath;
	char *gnupghome;
	char *archdir;
	struct cv_objstore *objects;  /* where archive files live (store/objects.h) */
	struct sqlite3 *db;
	cv_policy *policy;
	int lockfd;                 /* flock on VAULT/.lock, -1 when not held */
	char actor[32];             /* staff id, "" until chosen */
	int os_uid_given;           /* 1: os_uid is the OS user acting (a service's client), else getuid() */
	long os_uid;
	char vouched[32];           /* the staff member a service vouches for (cv_vault_vouch), "" for none */
	char actor_fpr[48];
	char actor_role[16];
	int role;                   /* cv_role of the actor */
	char anchor_fpr[48];        /* the grants' anchor, from the actor's keyslip (core/grants.h) */
	char vault_id[40];          /* the vault's id, from the same keyslip */
	long grants_seen;           /* the newest grant when that keyslip was written */
	char slip_grant[96];        /* "SEQ SHA256": the actor's grant as its keyslip's writer verified it */
	/* run once after the open transaction commits (store/index.c); audit registers one */
	cv_commit_hook on_commit[CV_MAX_COMMIT_HOOKS];
	int n_on_commit;
	/* told of each event cv_audit appends, once a key is unlocked (core/checkpoint.c) */
	int (*on_audit)(cv_vault *v, const char *action);
	/* work the command leaves for its end, after its output (cv_vault_finish; core/checkpoint.c) */
	void (*at_end)(cv_vault *v);
	cv_passphrase_cb pass_cb;
	void *pass_hook;
	int pass_given;             /* pass_cb gave gpg a passphrase (a wrong one counts towards a lock-out) */
	/* a front end's cache of unlocked keyslips (core/session.c; casevaultd's sessions), or NULL */
	const cv_slip_cache *slip_cache;
	void *slip_cache_ctx;
	/* Unlocked section master keys (gcry secure memory), NULL when not held. */
	unsigned char *mkey[CV_SECTION_COUNT];
	int mkey_gen[CV_SECTION_COUNT];
	/*
	 * The schedule key (core/schedule.c): exact retention dates are sealed
	 * under it, so the unattended purge can read them with no passphrase.
	 * skey_file: it came from VAULT/purge/schedule.key (the purge's
	 * account); otherwise from the index under the case key, and it is
	 * used only while that key is held.
	 */
	unsigned char *skey;
	int skey_file;
	int unlocked;
	int proven;                 /* the actor proved their key this command (cv_prove_actor) */
	char exported[24];          /* the record whose export (with its purpose) this command recorded (ops/export.c) */
	/* a case's dates worked out again after a deposit's adoption (ops sets it: core/deposit.c) */
	int (*adopt_hook)(cv_vault *v, const char *case_id);
	/*
	 * Rows that must commit with a filing or not at all, written inside its
	 * transaction (ops/filing_commit.c): a request's redacted copy and its
	 * decision (ops/decide.c).  Set around one cv_file call, NULL otherwise.
	 */
	int (*filing_also)(cv_vault *v, void *arg);
	void *filing_also_arg;
	int dry_run;                /* a check (import --check): an unlock writes nothing (core/actor.c) */
	int deposit_forged;         /* sections whose deposit key this unlock found forged (core/deposit.c) */
	int policy_fallback;        /* running on the last good policy kept in the index */
	int test_clock;             /* made with init --test-clock: CASEVAULT_TODAY sets today */
	int policy_unadopted;       /* the policy files changed and no manager adopted them (fallback too) */
	/* receipts whose signature this handle has checked (verify meets one per archive) */
	struct cv_receipt_ok { long long id; char fpr[48]; } *receipt_ok;
	size_t nreceipt_ok;
	cv_seal_cache *seal;        /* crypto/seal.c: ready AES-GCM contexts, shared by handle copies */
	cv_blind_cache *blind;      /* crypto/blind.c: the duplicate index's keys, derived once per section */
	cv_helper *helper;          /* a filing writer's encryption helper (crypto/helper.c), or NULL */
	/* what cv_vault_open found, for cv_vault_current (core/vault.c) */
	struct cv_open_stamp {
		struct timespec at;             /* CLOCK_MONOTONIC */
		long long data_version[2];      /* the index's and the key store's */
		struct cv_file_stamp { dev_t dev; ino_t ino; off_t size; struct timespec mtim; } files[5];
	} opened;
	char errmsg[512];
	char notice[512];
};

/* Set v's message; returns code, so "return cv_error(v, CV_EINVAL, ...)". */
int cv_error(cv_vault *v, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add to what the command tells the person besides its result. */
void cv_notice(cv_vault *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
