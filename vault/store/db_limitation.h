/*
 * casevault - facts for the retention edge cases (docs/legal-rules.md
 * §12-§14) that no other store file keeps.
 */
#ifndef CV_STORE_DB_LIMITATION_H
#define CV_STORE_DB_LIMITATION_H

#include "base/handle.h"

/*
 * 1 when a hold of any kind (a moratorium included) on record_id or on its
 * case stood at any time since the record's latest approval of destruction
 * was given (still standing, or released after it), 0 when not or when
 * there is no approval, <0 on error.
 */
int cv_db_held_since_approval(cv_vault *v, const char *record_id, const char *case_id);

#endif
