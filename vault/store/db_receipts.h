/*
 * casevault - the receipts table: one signed receipt per filing, naming
 * every archive it wrote (docs/architecture.md, "Filing: the data flow").
 */
#ifndef CV_STORE_DB_RECEIPTS_H
#define CV_STORE_DB_RECEIPTS_H

#include <stddef.h>
#include "base/handle.h"

/* A receipt whose signature is filled in last (cv_db_receipt_set_sig); *id is its row. */
int cv_db_receipt_insert(cv_vault *v, const char *staff, const char *created, const char *body, long long *id);
int cv_db_receipt_set_sig(cv_vault *v, long long id, const char *sig);

/* A receipt's body and signature, malloc'd and NUL-terminated; CV_ENOTFOUND when there is none. */
int cv_db_receipt_get(cv_vault *v, long long id, char **body, size_t *body_len, char **sig, size_t *sig_len);
/*
 * 1 when receipt id names a staff member whose key is fpr and who was not
 * revoked when it was made, 0 when not, or an error.
 */
int cv_db_receipt_signer_ok(cv_vault *v, long long id, const char *fpr);

/* Each receipt id, in order, for verify; fn's error stops.  Prepare errors are returned. */
int cv_db_receipts_each(cv_vault *v, int (*fn)(void *hook, long long id), void *hook);
/* Each receipt with no archive left (all purged), in order. */
int cv_db_receipts_without_archives(cv_vault *v, int (*fn)(void *hook, long long id), void *hook);
/* Each receipt whose body is not JSON. */
int cv_db_receipts_unreadable(cv_vault *v, int (*fn)(void *hook, long long id), void *hook);
/* How many receipts there are (0 when the count fails). */
size_t cv_db_receipts_count(cv_vault *v);
/*
 * Each archive a receipt lists that is neither in the index nor named by a
 * certificate of destruction.  A failing statement leaves its message on v:
 * *stepped says whether rows were being read when it failed.
 */
int cv_db_receipts_vanished(cv_vault *v, int (*fn)(void *hook, long long receipt, const char *file),
			    void *hook, int *stepped);

/* The staff member a receipt names and their key's fingerprint (0, or CV_ENOTFOUND). */
int cv_db_receipt_signer(cv_vault *v, long long id, char staff_id[16], char fpr[48]);

#endif
