/*
 * casevault - governed exports (docs/legal-rules.md §17): a record's
 * content written out of the vault (`get -o FILE`, which requires one, or
 * standard output given a purpose) is recorded with its purpose before a
 * byte is written.
 */
#ifndef CASEVAULT_EXPORT_H
#define CASEVAULT_EXPORT_H

#include "vault.h"

/*
 * Record that record_id is about to be written out for purpose (one line,
 * required; sealed under the record's section key) to dest ("file" or
 * "stdout"); audited as record.export with export-N and the record id.
 * The caller reads the record only when this returned 0.
 */
int cv_export_record(cv_vault *v, const char *record_id, const char *purpose, const char *dest, long *id);

/*
 * The purpose of export id (the N of the export-N a record.export event
 * names), for the audit trail's readers: *purpose is malloc'd text, or
 * NULL when it cannot be shown: erased with its case (storage limitation),
 * or the reader's role reads no records of its section (an auditor sees
 * the event's ids alone).  CV_ENOTFOUND for no such export.
 */
int cv_export_purpose(cv_vault *v, long id, char **purpose);

#endif
