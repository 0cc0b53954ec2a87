/*
 * casevault - the cases table, for the operations that need a case's facts
 * without the case module (retention, holds).
 */
#ifndef CV_STORE_DB_CASES_H
#define CV_STORE_DB_CASES_H

#include "base/handle.h"

/* 0 when the case exists; CV_ENOTFOUND with a message naming it otherwise. */
int cv_db_case_exists(cv_vault *v, const char *id);

#endif
