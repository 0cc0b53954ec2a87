/*
 * casevault - staff, roles and who is acting.
 *
 * Roles (enforced here, in the library, for every front end):
 *   volunteer   files notes and enquiries; reads no case record
 *   caseworker  reads and files in the case file; no child-protection file
 *   cp-lead     a caseworker's rights plus the child-protection file
 *   manager     everything: approvals and staff administration included
 *   auditor     reads the audit trail and certificates only
 * The child-protection file is also separated cryptographically: only
 * cp-lead and manager keys hold a keyslip with its master key.
 *
 * A person may act only while not revoked and with an attestation (agreement
 * to the confidentiality policy) no older than 12 months.
 */
#ifndef CASEVAULT_STAFF_H
#define CASEVAULT_STAFF_H

#include "vault.h"

typedef enum {
	CV_ROLE_VOLUNTEER = 0,
	CV_ROLE_CASEWORKER,
	CV_ROLE_CP_LEAD,
	CV_ROLE_MANAGER,
	CV_ROLE_AUDITOR
} cv_role;

int cv_role_parse(cv_role *out, const char *s);   /* 0 or CV_EINVAL */
const char *cv_role_name(cv_role r);

/* What a command is about to do (the rows of the role table). */
typedef enum {
	CV_ACT_FILE_NOTE = 0,  /* a note or enquiry in the case file */
	CV_ACT_FILE_CASE,      /* a document in the case file */
	CV_ACT_FILE_CP,        /* anything in the child-protection file */
	CV_ACT_READ_CASE,      /* names, titles, documents of the case file */
	CV_ACT_READ_CP,        /* the child-protection file */
	CV_ACT_LIST,           /* case ids and dates only (no personal data) */
	CV_ACT_CASE_ADMIN,     /* open, close, reopen a case */
	CV_ACT_VERIFY,         /* check archives and hashes */
	CV_ACT_HOLD,           /* place a hold */
	CV_ACT_APPROVE,        /* release holds, approve destruction, purge by hand */
	CV_ACT_STAFF_ADMIN,    /* add, revoke, attest others */
	CV_ACT_AUDIT,          /* read the audit trail and certificates */
	CV_ACT_REFER,          /* record a child-protection referral (docs/legal-rules.md §16) */
	CV_ACT_COUNT
} cv_act;

/* 1 when role may do act, else 0. */
int cv_role_allows(cv_role role, cv_act act);

/*
 * Check the acting staff member may do act now (not revoked, attested in the
 * last 12 months, role allows it).  A refusal is recorded in the audit trail
 * with ids and returns CV_EREFUSED with a message that says what to do.
 */
int cv_authorize(cv_vault *v, cv_act act, const char *ids);

typedef struct {
	char id[16];
	char *name;              /* unsealed, or NULL */
	cv_role role;
	char fpr[48];
	long os_uid;             /* -1 when none */
	char created[32];
	char attested[11];       /* "" when never */
	char policy_version[32];
	char revoked[32];        /* "" while active */
	char added_by[16];       /* who added them, from the audit trail ("" when not found) */
	char revoked_by[16];     /* who revoked them ("" while active) */
} cv_staff;

typedef struct {
	const char *name;              /* display name (sealed in the index) */
	cv_role role;
	const char *key_file;          /* import this OpenPGP secret key instead of making one */
	int has_key_fd, key_fd;        /* key_file already open (casevaultd: docs/service.md, Named files) */
	long os_uid;                   /* OS user to act as by default, -1 for none */
	cv_passphrase_cb new_pass_cb;  /* the new person's passphrase (NULL: pinentry) */
	void *new_pass_hook;
	int no_passphrase;             /* tests and demos only */
} cv_staff_opts;

/* Add a staff member (acting manager only).  id_out receives "S-0002". */
int cv_staff_add(cv_vault *v, const cv_staff_opts *o, char id_out[16]);
int cv_staff_list(cv_vault *v, cv_staff **out, size_t *n, int unseal);
void cv_staff_list_free(cv_staff *list, size_t n);
/*
 * Record that id agreed to the confidentiality policy (version) on date
 * (NULL = today).  A manager may attest anyone; anyone may attest themself.
 */
int cv_staff_attest(cv_vault *v, const char *id, const char *date, const char *version);
/*
 * Revoke id: remove their keyslips and rotate the section master keys they
 * held (every archive key is re-wrapped and every sealed field re-sealed;
 * no archive is rewritten), so that an old keyslip plus their key opens
 * nothing held afterwards.  *rewrapped (may be NULL) gets the archive count.
 */
int cv_staff_revoke(cv_vault *v, const char *id, size_t *rewrapped);
/*
 * The acting staff member changes their own key's passphrase: the current
 * one from the vault's passphrase callback (asked even while a session is
 * unlocked; a wrong one counts towards the lock-out), the new one from
 * new_cb.  Audited as staff.passphrase; their session ends.  Needs
 * CV_INIT_GPGCONF.
 */
int cv_staff_change_passphrase(cv_vault *v, cv_passphrase_cb new_cb, void *new_hook);

#endif
