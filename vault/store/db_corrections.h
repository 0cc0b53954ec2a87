/*
 * casevault - the index side of corrections (ops/record_fix.c): where a
 * record is, and its row re-pointed at the case and archive it moves to or
 * its corrected class, title and date (docs/legal-rules.md LR-18).
 */
#ifndef CV_STORE_DB_CORRECTIONS_H
#define CV_STORE_DB_CORRECTIONS_H

#include "base/handle.h"
#include "casevault/retention.h"

/* Record id's case, section and archive: 1, 0 when there is no such record (no message), <0. */
int cv_db_fix_where(cv_vault *v, const char *id, char case_id[24], cv_section *sec, long long *archive_id);

/*
 * Record id now in case_id, in archive archive_id; its duplicate-index
 * value (records.blind) is worked out again for that case from its sealed
 * hash (store/sealed.h), as a filing into it would have.
 */
int cv_db_fix_move(cv_vault *v, const char *id, cv_section sec, const char *case_id, long long archive_id);

/* A corrected class, title or event date (NULL: unchanged); title and date sealed under sec. */
int cv_db_fix_set(cv_vault *v, const char *id, cv_section sec, const char *class_name, const char *title,
		  const char *event_date);

/* Record id's class and event date (unsealed, the caller holds sec's key): 1, 0 when none, <0. */
int cv_db_fix_meta(cv_vault *v, const char *id, cv_section sec, char class_name[64], char event_date[11]);

/* A row of the corrections register (docs/legal-rules.md LR-18: a record is kept of every correction). */
typedef struct {
	const char *kind, *record_id, *from_case, *to_case, *changed, *request_id;
	long certificate;        /* 0: none */
	cv_section section;
	const char *reason;      /* sealed under section; NULL for none */
	const char *done_by, *done_at;
} cv_db_fix_entry;

/* Insert e in the caller's transaction; *id is its number. */
int cv_db_fix_log(cv_vault *v, const cv_db_fix_entry *e, long *id);

/* Record id as the certificate of destruction states it (cv_due: case, section, class, filed, policy, archive): 1, 0, <0. */
int cv_db_fix_due(cv_vault *v, const char *id, cv_due *d);

#endif
