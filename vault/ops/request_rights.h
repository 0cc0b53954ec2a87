/*
 * casevault - the other rights beside subject access (request_rights.c):
 * the checks and rows request.c's open adds for them.
 */
#ifndef CV_OPS_REQUEST_RIGHTS_H
#define CV_OPS_REQUEST_RIGHTS_H

#include "base/handle.h"
#include "casevault/request.h"

/* 1 when o asks for subject access (kind NULL or "access"), 0 for another right. */
int cv_rights_is_access(const cv_request_opts *o);
/* Before anything is written: the kind known, the records (required for a restriction) in the case. */
int cv_rights_check(cv_vault *v, const cv_request_opts *o);
/* In the request's transaction: its kind, its records, a restriction's rows. */
int cv_rights_open_tx(cv_vault *v, const char *id, const cv_request_opts *o, const char *now);

#endif
