/*
 * casevault - deposits: a volunteer files without holding any section key.
 * Their archive key is wrapped to the section's deposit key and their index
 * fields sealed per filing (crypto/deposit.h); the next command of someone
 * who holds the section key adopts the deposit: re-wrapped and re-sealed
 * normally, in one transaction with its audit event (docs/architecture.md,
 * Keys: deposits).
 */
#ifndef CV_CORE_DEPOSIT_H
#define CV_CORE_DEPOSIT_H

#include "base/handle.h"
#include "store/db_archives.h"
#include "store/db_records.h"

/*
 * The normal archive key wrap under an unlocked section key (cv_keys_wrap,
 * core/actor.c), passed in by the caller: actor.c calls this module at
 * unlock, so this module cannot call back into it (docs/architecture.md, Layers).
 */
typedef int (*cv_deposit_wrap_fn)(cv_vault *v, cv_section s, const char *file, const char *key_hex,
				  char **wrapped, int *gen);

/*
 * Right after the actor's keys are unlocked: publish each unlocked
 * section's deposit public key where it is missing or stale, and adopt
 * every deposit waiting, when the writer lock is free.  The command goes on
 * whatever happens: a deposit that cannot be adopted is named in a notice.
 * Costs one index lookup when there is nothing to do.
 */
int cv_deposit_on_unlock(cv_vault *v, cv_deposit_wrap_fn wrap);
/*
 * For a filing by someone who may file into s without its key: the deposit
 * public key, refused (CV_EREFUSED) when none is published for the section
 * key now in use or none signed, CV_ECORRUPT when its signature or its
 * signer's grant does not hold.
 */
int cv_deposit_public_key(cv_vault *v, cv_section s, unsigned char pub[32], int *gen);
/*
 * For verify: 1 with why when section s's published deposit key is not
 * one a key holder signed and whose grant holds, or this command's unlock
 * found it forged; 0 when it holds or none is published.
 */
int cv_deposit_check_key(cv_vault *v, cv_section s, char *why, size_t whylen);
/* Wrap the archive key (hex) of archive file to pub; *wrapped malloc'd; seal gets the filing's sealing key. */
int cv_deposit_wrap_key(cv_vault *v, const unsigned char pub[32], const char *file, const char *key_hex,
			char **wrapped, unsigned char seal[32]);
/*
 * In the filing's transaction: record archive a and its n record rows as a
 * deposit, the rows sealed under seal (nothing goes to archives or records).
 */
int cv_deposit_file(cv_vault *v, const cv_db_archive_new *a, const cv_db_record_new *rows, size_t n,
		    const unsigned char seal[32]);
/*
 * Under the writer lock, before a rotation of the sections in *mask:
 * adopt every deposit (CV_EREFUSED, nothing changed, when one cannot be),
 * and add the case section to *mask while the case key is the one that
 * volunteers' keyslips held before deposits existed.
 */
int cv_deposit_before_rotation(cv_vault *v, cv_deposit_wrap_fn wrap, int *mask);

#endif
