/*
 * casevault - the deposits table: what a volunteer filed, wrapped to the
 * section's deposit key and sealed per filing, until someone who holds the
 * section key adopts it (docs/architecture.md, Keys: deposits).
 */
#ifndef CV_STORE_DB_DEPOSIT_H
#define CV_STORE_DB_DEPOSIT_H

#include <stddef.h>
#include <stdint.h>
#include "base/handle.h"

/* One deposit: one archive file and the sealed rows of its records. */
typedef struct {
	char file[40], case_id[24], sha256[65], policy_hash[65], filed_by[32], created[32];
	cv_section section;
	int key_gen;               /* the section key generation whose deposit key it was wrapped to */
	char wrapped_key[160];     /* cvdp1:... (crypto/deposit.h) */
	int compressed;
	int64_t size;
	long long receipt_id;
	unsigned char *records;    /* sealed JSON array of the record rows (malloc'd) */
	size_t records_len;
} cv_db_deposit;

int cv_db_deposit_insert(cv_vault *v, const cv_db_deposit *d);
/* 1 when a deposit waits to be adopted, 0 when none, < 0 on error. */
int cv_db_deposit_any(cv_vault *v);
/* Every deposit, oldest first: a malloc'd array freed with cv_db_deposit_list_free. */
int cv_db_deposit_list(cv_vault *v, cv_db_deposit **out, size_t *n);
void cv_db_deposit_list_free(cv_db_deposit *list, size_t n);
int cv_db_deposit_delete(cv_vault *v, const char *file);
/* The current generation of section s's master key (table section_keys). */
int cv_db_deposit_key_gen(cv_vault *v, cv_section s, int *gen);
/* 1 when the vault still uses the generation of the case key that volunteers held before deposits. */
int cv_db_deposit_legacy_case_key(cv_vault *v, int case_gen);

#endif
