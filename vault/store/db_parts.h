/*
 * casevault - links between records filed together from one e-mail
 * (table record_parts, docs/intake.md "E-mail"): an attachment's record
 * names the e-mail's record.  Read back with the record (cv_record.part_of).
 */
#ifndef CV_STORE_DB_PARTS_H
#define CV_STORE_DB_PARTS_H

#include "base/handle.h"

/* Record record_id is part of record part_of (inside the filing's transaction). */
int cv_db_parts_add(cv_vault *v, const char *record_id, const char *part_of);

#endif
