/*
 * casevault - filing receipts: who filed an archive, signed with their key.
 */
#ifndef CV_OPS_RECORD_H
#define CV_OPS_RECORD_H

#include "base/handle.h"

/* Check a receipt's signature (by a staff key) and that it lists file/sha. */
int cv_verify_receipt(cv_vault *v, long long receipt_id, const char *file, const char *sha);
int cv_verify_receipt_signed(cv_vault *v, long long receipt_id);  /* signature and signer only */
/*
 * 0 when record_id stands under no restriction, or when it may still be read:
 * by a manager or cp-lead exporting it (exporting), or once that export was
 * recorded by this handle (reading); else CV_EREFUSED naming the request.
 */
int cv_record_check_restriction(cv_vault *v, const char *record_id, int exporting);

#endif
