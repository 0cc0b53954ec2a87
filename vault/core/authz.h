/*
 * casevault - authorisation's private part (cv_authorize is in casevault/staff.h).
 */
#ifndef CV_CORE_AUTHZ_H
#define CV_CORE_AUTHZ_H

#include "base/handle.h"

/* The date and version of id's latest agreement to the confidentiality policy; "" in date without one. */
int cv_latest_attestation(cv_vault *v, const char *id, char date[11], char version[32]);

/* 1 when the acting staff member may see case_id: every role but a caseworker, who needs it assigned. */
int cv_authz_sees_case(cv_vault *v, const char *case_id);
/*
 * Cut a listing to the cases the acting staff member sees: of *n items of
 * size bytes, each with its case id (a char array) at case_off, keep those
 * cv_authz_sees_case allows, in order; drop (NULL: nothing) releases one
 * left out.  Every item is kept for every role but a caseworker.
 */
int cv_authz_keep_visible(cv_vault *v, void *items, size_t size, size_t case_off, size_t *n, void (*drop)(void *item));

#endif
