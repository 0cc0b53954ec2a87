/* casevault - the index's answers for doctor (db_doctor.h). */
#include <stdio.h>

#include "store/db_doctor.h"
#include "store/index.h"

int cv_db_doctor_last_event(cv_vault *v, const char *action, char time[32])
{
	sqlite3_stmt *st = NULL;
	int r;

	time[0] = '\0';
	if ((r = cv_index_one(v, &st, "SELECT time FROM audit WHERE action = ? AND outcome = 'ok'"
			      " ORDER BY seq DESC LIMIT 1", "t", action)) <= 0)
		return r;
	cv_col_copy(st, 0, time, 32);
	sqlite3_finalize(st);
	return 1;
}
