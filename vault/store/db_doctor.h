/*
 * casevault - what `casevault doctor` reads from the index that no other
 * module asks for (docs/commands/doctor.md).
 */
#ifndef CV_STORE_DB_DOCTOR_H
#define CV_STORE_DB_DOCTOR_H

#include "base/handle.h"

/* The time of the newest event of action that succeeded: 1 with time set, 0 when none, <0 on error. */
int cv_db_doctor_last_event(cv_vault *v, const char *action, char time[32]);

#endif
