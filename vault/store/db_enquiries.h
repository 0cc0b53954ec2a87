/*
 * casevault - the enquiries table (casevault/enquiry.h): the text sealed
 * under the case key, the dates in clear; and the vault's names, opened in
 * memory for the enquiry check.
 */
#ifndef CV_STORE_DB_ENQUIRIES_H
#define CV_STORE_DB_ENQUIRIES_H

#include <stddef.h>
#include "base/handle.h"
#include "casevault/enquiry.h"

int cv_db_enquiry_insert(cv_vault *v, const char *date, const char *until, int confirmed, const char *text,
			 const char *now, long *id);
/* Every enquiry, newest first, the text opened under the case key. */
int cv_db_enquiry_list(cv_vault *v, cv_enquiry **out, size_t *n);
void cv_db_enquiry_list_free(cv_enquiry *list, size_t n);
/* Delete the enquiries due on day (YYYY-MM-DD: kept until then, or before); *n gets how many. */
int cv_db_enquiry_expire(cv_vault *v, const char *day, size_t *n);
/*
 * Every name the vault records (parents, children, people named in cases,
 * requesters), opened under the case key: an array the caller frees with
 * cv_db_names_free, which wipes them.
 */
int cv_db_names(cv_vault *v, char ***names, size_t *n);
void cv_db_names_free(char **names, size_t n);

#endif
